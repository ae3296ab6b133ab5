#include "daemon/attribution/dns_attribution.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

using Names = std::vector<std::string>;

class ManualClock final : public Clock {
  public:
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override {
        return steady;
    }
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override { return {}; }
    std::chrono::steady_clock::time_point steady{std::chrono::seconds(100)};
};

// Answers that "arrived" but have not been drained yet, like frames in the packet ring.
class FakeAnswers final : public DnsAnswerSource {
  public:
    [[nodiscard]] int fd() const override { return 42; }
    void drain(DnsCache& cache, DnsCache::TimePoint now) noexcept override {
        ++drains;
        for (const auto& answer : arrived) {
            cache.learn(answer, now);
        }
        arrived.clear();
    }
    std::vector<DnsAddressAnswer> arrived;
    int drains = 0;
};

class RecordingNext final : public AttributionSource {
  public:
    void attribute(const QueuedPacket& /*packet*/, Connection& connection) noexcept override {
        ++calls;
        connection.exe = "/usr/bin/curl";
    }
    int calls = 0;
};

Connection connection_to(std::string_view remote) {
    Connection connection;
    connection.protocol = Protocol::kTcp;
    connection.remote_address = *IpAddress::parse(remote);
    connection.remote_port = 80;
    return connection;
}

TEST(DnsAttribution, AnAnswerThatArrivedBeforeTheConnectionIsSeenByIt) {
    ManualClock clock;
    RecordingNext next;
    auto answers = std::make_unique<FakeAnswers>();
    FakeAnswers& fake = *answers;
    DnsAttribution attribution(next, std::move(answers), DnsCache::Limits{}, clock);

    fake.arrived.push_back({*IpAddress::parse("10.77.0.2"), {"app.test", "web.test"}, 300});
    Connection connection = connection_to("10.77.0.2");
    attribution.attribute(QueuedPacket{}, connection);

    EXPECT_EQ(connection.host_names, (Names{"app.test", "web.test"}));
    EXPECT_EQ(connection.exe, "/usr/bin/curl");
    EXPECT_EQ(next.calls, 1);
    EXPECT_EQ(fake.drains, 1);
}

TEST(DnsAttribution, OtherAddressesGetNoNames) {
    ManualClock clock;
    RecordingNext next;
    auto answers = std::make_unique<FakeAnswers>();
    answers->arrived.push_back({*IpAddress::parse("10.77.0.2"), {"web.test"}, 300});
    DnsAttribution attribution(next, std::move(answers), DnsCache::Limits{}, clock);
    Connection connection = connection_to("10.77.0.9");
    attribution.attribute(QueuedPacket{}, connection);
    EXPECT_TRUE(connection.host_names.empty());
}

TEST(DnsAttribution, ExpiredNamesAreNotGiven) {
    ManualClock clock;
    RecordingNext next;
    auto answers = std::make_unique<FakeAnswers>();
    answers->arrived.push_back({*IpAddress::parse("10.77.0.2"), {"web.test"}, 300});
    DnsAttribution attribution(next, std::move(answers), DnsCache::Limits{}, clock);
    attribution.drain();
    clock.steady += std::chrono::seconds(301);
    Connection connection = connection_to("10.77.0.2");
    attribution.attribute(QueuedPacket{}, connection);
    EXPECT_TRUE(connection.host_names.empty());
}

TEST(DnsAttribution, WithoutAnAnswerSourceOnlyTheNextSourceRuns) {
    ManualClock clock;
    RecordingNext next;
    DnsAttribution attribution(next, nullptr, DnsCache::Limits{}, clock);
    Connection connection = connection_to("10.77.0.2");
    attribution.attribute(QueuedPacket{}, connection);
    EXPECT_EQ(next.calls, 1);
    EXPECT_TRUE(connection.host_names.empty());
    EXPECT_EQ(attribution.answers_fd(), -1);
}

TEST(DnsAnswerSourceChoice, QueueAndNflogObserversAreNotAvailableYet) {
    auto queue = open_dns_answer_source(DnsObserver::kQueue);
    ASSERT_FALSE(queue.ok());
    EXPECT_EQ(queue.error().message(),
              "dns.observer queue is not available in this version; use packet (the default)");
    auto nflog = open_dns_answer_source(DnsObserver::kNflog);
    ASSERT_FALSE(nflog.ok());
    EXPECT_EQ(nflog.error().message(),
              "dns.observer nflog is not available in this version; use packet (the default)");
}

TEST(DnsAnswerSourceChoice, OffMeansNoSource) {
    auto off = open_dns_answer_source(DnsObserver::kOff);
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(*off, nullptr);
}

}  // namespace
}  // namespace sluice
