#include "daemon/service_notifier.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>  // setenv, unsetenv

#include <string>
#include <vector>

#include "tests/systemd/test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

class RecordingChannel final : public NotifyChannel {
  public:
    explicit RecordingChannel(std::vector<std::string>& sent, bool connected = true)
        : sent_(sent), connected_(connected) {}
    [[nodiscard]] bool connected() const override { return connected_; }
    Result<void> send(std::string_view state) override {
        sent_.emplace_back(state);
        return {};
    }

  private:
    std::vector<std::string>& sent_;
    bool connected_;
};

struct NotifierFixture {
    std::vector<std::string> sent;
    ManualClock clock;
    std::string status = "Filtering on queue 4242 (fail open): 0 allowed";

    ServiceNotifier make(std::chrono::microseconds watchdog, bool connected = true) {
        return ServiceNotifier(std::make_unique<RecordingChannel>(sent, connected), {watchdog, 5s},
                               clock, [this] { return status; });
    }
};

TEST(ServiceNotifier, PingsAtHalfTheWatchdogTimeout) {
    NotifierFixture f;
    EXPECT_EQ(f.make(400ms).tick_interval(), 200ms);
    EXPECT_EQ(f.make(0us).tick_interval(), 5s) << "no watchdog: ticks only for STATUS=";
    EXPECT_EQ(f.make(400ms, false).tick_interval(), 0us) << "no service manager: no timer";
}

TEST(ServiceNotifier, ReadyCarriesTheStatus) {
    NotifierFixture f;
    auto notifier = f.make(400ms);
    ASSERT_TRUE(notifier.ready());
    EXPECT_EQ(f.sent, std::vector<std::string>{
                          "READY=1\nSTATUS=Filtering on queue 4242 (fail open): 0 allowed"});
}

TEST(ServiceNotifier, TickPingsTheWatchdogAndSendsStatusOnlyWhenDueAndChanged) {
    NotifierFixture f;
    auto notifier = f.make(400ms);
    ASSERT_TRUE(notifier.ready());
    f.sent.clear();

    f.clock.steady += 200ms;
    ASSERT_TRUE(notifier.tick());
    f.status = "Filtering on queue 4242 (fail open): 7 allowed";
    f.clock.steady += 200ms;
    ASSERT_TRUE(notifier.tick());  // changed, but not due yet
    f.clock.steady += 5s;
    ASSERT_TRUE(notifier.tick());  // due and changed
    f.clock.steady += 5s;
    ASSERT_TRUE(notifier.tick());  // due, unchanged
    EXPECT_EQ(f.sent, (std::vector<std::string>{
                          "WATCHDOG=1",
                          "WATCHDOG=1",
                          "WATCHDOG=1\nSTATUS=Filtering on queue 4242 (fail open): 7 allowed",
                          "WATCHDOG=1",
                      }));
}

TEST(ServiceNotifier, WithoutWatchdogTicksSendOnlyStatusChanges) {
    NotifierFixture f;
    auto notifier = f.make(0us);
    ASSERT_TRUE(notifier.ready());
    f.sent.clear();
    f.clock.steady += 5s;
    ASSERT_TRUE(notifier.tick());
    f.status = "Filtering on queue 4242 (fail open): 1 allowed";
    f.clock.steady += 5s;
    ASSERT_TRUE(notifier.tick());
    EXPECT_EQ(f.sent,
              std::vector<std::string>{"STATUS=Filtering on queue 4242 (fail open): 1 allowed"});
}

TEST(ServiceNotifier, ReloadAndStopStates) {
    NotifierFixture f;
    auto notifier = f.make(0us);
    f.clock.steady = std::chrono::steady_clock::time_point{1500ms};
    ASSERT_TRUE(notifier.reloading());
    ASSERT_TRUE(notifier.stopping());
    EXPECT_EQ(f.sent, (std::vector<std::string>{
                          "RELOADING=1\nMONOTONIC_USEC=1500000\nSTATUS=Reloading configuration "
                          "and rules",
                          "STOPPING=1\nSTATUS=Stopping",
                      }));
}

TEST(ServiceNotifier, NothingIsSentWithoutServiceManager) {
    NotifierFixture f;
    auto notifier = f.make(400ms, false);
    ASSERT_TRUE(notifier.ready());
    ASSERT_TRUE(notifier.tick());
    ASSERT_TRUE(notifier.stopping());
    EXPECT_TRUE(f.sent.empty());
}

TEST(ServiceNotifier, WatchdogTimeoutComesFromTheEnvironmentOnlyForThisProcess) {
    ::setenv("WATCHDOG_USEC", "400000", 1);
    ::unsetenv("WATCHDOG_PID");
    EXPECT_EQ(ServiceNotifier::watchdog_timeout_from_environment(), 400ms);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    EXPECT_EQ(ServiceNotifier::watchdog_timeout_from_environment(), 0us);
    ::unsetenv("WATCHDOG_PID");
    ::unsetenv("WATCHDOG_USEC");
    EXPECT_EQ(ServiceNotifier::watchdog_timeout_from_environment(), 0us);
}

}  // namespace
}  // namespace sluice
