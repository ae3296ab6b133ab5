#include "dbus/authorizer.hpp"

#include <gtest/gtest.h>
#include <sdbus-c++/TypeTraits.h>

#include <deque>

namespace sluice {
namespace {

// Records every query; answers when the test says so, like the bus would later.
class FakeQueries final : public BusQueries {
  public:
    void unix_user(const std::string& sender, UidCallback done) override {
        uid_requests.push_back(sender);
        pending_uids.push_back(std::move(done));
    }
    void check_polkit(const PolkitCheck& check, PolkitCallback done) override {
        polkit_requests.push_back(check);
        pending_polkit.push_back(std::move(done));
    }
    void answer_uid(Result<std::uint32_t> uid) {
        auto done = std::move(pending_uids.front());
        pending_uids.pop_front();
        done(std::move(uid));
    }
    void answer_polkit(Result<bool> authorized) {
        auto done = std::move(pending_polkit.front());
        pending_polkit.pop_front();
        done(std::move(authorized));
    }

    std::vector<std::string> uid_requests;
    std::vector<PolkitCheck> polkit_requests;
    std::deque<UidCallback> pending_uids;
    std::deque<PolkitCallback> pending_polkit;
};

struct Outcome {
    bool called = false;
    std::optional<std::string> denial;
};

Authorizer::Verdict record(Outcome& outcome) {
    return [&outcome](std::optional<std::string> denial) {
        outcome.called = true;
        outcome.denial = std::move(denial);
    };
}

bool only_1000_is_admin(std::uint32_t uid, const std::string& group) {
    return uid == 1000 && group == "sluice";
}

TEST(PolkitCheck, SubjectIsTheCallersBusNameAndTheModifyAction) {
    const PolkitCheck check = polkit_check_for(":1.42");
    EXPECT_EQ(check.subject_kind, "system-bus-name");
    EXPECT_EQ(check.bus_name, ":1.42");
    EXPECT_EQ(check.action_id, "org.sluice.firewall.modify");
    EXPECT_TRUE(check.details.empty());
    EXPECT_EQ(check.flags, 1u);  // AllowUserInteraction
    EXPECT_EQ(check.cancellation_id, "");
}

TEST(PolkitCheck, SubjectHasPolkitsWireTypeAndNameKey) {
    const PolkitSubject subject = polkit_subject(polkit_check_for(":1.42"));
    EXPECT_EQ(sdbus::signature_of<PolkitSubject>::str(), "(sa{sv})");
    EXPECT_EQ(sdbus::signature_of<PolkitResult>::str(), "(bba{ss})");
    EXPECT_EQ(std::get<0>(subject), "system-bus-name");
    const auto& details = std::get<1>(subject);
    ASSERT_EQ(details.size(), 1u);
    EXPECT_EQ(details.at("name").get<std::string>(), ":1.42");
}

TEST(Authorizer, PolkitModeAsksPolkitAboutTheSender) {
    FakeQueries queries;
    Authorizer authorizer(AuthorizationMode::kPolkit, "sluice", queries, only_1000_is_admin);
    Outcome outcome;
    authorizer.authorize_modify(":1.7", record(outcome));
    ASSERT_EQ(queries.polkit_requests.size(), 1u);
    EXPECT_EQ(queries.polkit_requests[0].bus_name, ":1.7");
    EXPECT_EQ(queries.polkit_requests[0].action_id, "org.sluice.firewall.modify");
    EXPECT_TRUE(queries.uid_requests.empty());
    EXPECT_FALSE(outcome.called);
    queries.answer_polkit(true);
    ASSERT_TRUE(outcome.called);
    EXPECT_EQ(outcome.denial, std::nullopt);
}

TEST(Authorizer, PolkitRefusalAndPolkitFailureBothDeny) {
    FakeQueries queries;
    Authorizer authorizer(AuthorizationMode::kPolkit, "sluice", queries, only_1000_is_admin);
    Outcome refused;
    authorizer.authorize_modify(":1.7", record(refused));
    queries.answer_polkit(false);
    EXPECT_EQ(refused.denial, "polkit did not authorize org.sluice.firewall.modify");
    Outcome failed;
    authorizer.authorize_modify(":1.7", record(failed));
    queries.answer_polkit(Error{"CheckAuthorization failed: no reply"});
    EXPECT_EQ(failed.denial, "polkit could not be asked: CheckAuthorization failed: no reply");
}

TEST(Authorizer, UidModeAllowsRootAndAdminGroupOnly) {
    FakeQueries queries;
    Authorizer authorizer(AuthorizationMode::kUid, "sluice", queries, only_1000_is_admin);
    Outcome root;
    authorizer.authorize_modify(":1.1", record(root));
    queries.answer_uid(0u);
    EXPECT_TRUE(root.called);
    EXPECT_EQ(root.denial, std::nullopt);
    Outcome admin;
    authorizer.authorize_modify(":1.2", record(admin));
    queries.answer_uid(1000u);
    EXPECT_EQ(admin.denial, std::nullopt);
    Outcome nobody;
    authorizer.authorize_modify(":1.3", record(nobody));
    queries.answer_uid(65534u);
    EXPECT_EQ(nobody.denial,
              "uid 65534 may not change the firewall (root and members of group 'sluice' may)");
    EXPECT_TRUE(queries.polkit_requests.empty());
}

TEST(Authorizer, UnknownCallerIsDenied) {
    FakeQueries queries;
    Authorizer authorizer(AuthorizationMode::kUid, "sluice", queries, only_1000_is_admin);
    Outcome outcome;
    authorizer.authorize_modify(":1.9", record(outcome));
    queries.answer_uid(Error{"GetConnectionUnixUser failed: name has no owner"});
    EXPECT_EQ(outcome.denial,
              "cannot tell who is calling: GetConnectionUnixUser failed: name has no owner");
}

TEST(Authorizer, UidIsAskedOncePerSenderUntilForgotten) {
    FakeQueries queries;
    Authorizer authorizer(AuthorizationMode::kUid, "sluice", queries, only_1000_is_admin);
    std::vector<std::uint32_t> uids;
    auto collect = [&uids](Result<std::uint32_t> uid) { uids.push_back(*uid); };
    authorizer.caller_uid(":1.5", collect);
    authorizer.caller_uid(":1.5", collect);  // joins the lookup in flight
    ASSERT_EQ(queries.uid_requests.size(), 1u);
    queries.answer_uid(1000u);
    EXPECT_EQ(uids, (std::vector<std::uint32_t>{1000, 1000}));
    authorizer.caller_uid(":1.5", collect);  // cached
    EXPECT_EQ(queries.uid_requests.size(), 1u);
    EXPECT_EQ(uids.size(), 3u);
    authorizer.forget(":1.5");
    authorizer.caller_uid(":1.5", collect);
    EXPECT_EQ(queries.uid_requests.size(), 2u);
}

TEST(Authorizer, LookupsInFlightAreBounded) {
    FakeQueries queries;
    Authorizer authorizer(AuthorizationMode::kUid, "sluice", queries, only_1000_is_admin);
    for (std::size_t i = 0; i < Authorizer::kMaxInFlight; ++i) {
        authorizer.caller_uid(":1." + std::to_string(i), [](Result<std::uint32_t>) {});
    }
    std::optional<std::string> refusal;
    authorizer.caller_uid(":2.0", [&refusal](Result<std::uint32_t> uid) {
        refusal = uid ? std::string() : uid.error().what;
    });
    EXPECT_EQ(refusal, "too many identity lookups are in progress");
    EXPECT_EQ(queries.uid_requests.size(), Authorizer::kMaxInFlight);
}

}  // namespace
}  // namespace sluice
