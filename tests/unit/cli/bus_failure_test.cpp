#include "cli/bus_failure.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

const BusTarget kSystem{};

TEST(BusFailure, MissingServiceSaysTheDaemonIsNotRunningOnThatBus) {
    const auto failure = describe_bus_error("org.freedesktop.DBus.Error.ServiceUnknown",
                                            "The name is not activatable", kSystem);
    EXPECT_EQ(failure.exit_code, kExitError);
    EXPECT_EQ(failure.message,
              "sluiced is not running on the system bus (org.sluice.Firewall1 not found)");
    const BusTarget address{BusTarget::Kind::kAddress, "unix:path=/tmp/b"};
    EXPECT_EQ(describe_bus_error("org.freedesktop.DBus.Error.NameHasNoOwner", "", address).message,
              "sluiced is not running on the bus at unix:path=/tmp/b (org.sluice.Firewall1 not "
              "found)");
}

TEST(BusFailure, AccessDeniedExitsWithThree) {
    const auto daemon = describe_bus_error("org.sluice.Firewall1.Error.AccessDenied",
                                           "uid 65534 may not change rules", kSystem);
    EXPECT_EQ(daemon.exit_code, kExitAccessDenied);
    EXPECT_EQ(daemon.message, "access denied: uid 65534 may not change rules");
    const auto prefixed = describe_bus_error("org.sluice.Firewall1.Error.AccessDenied",
                                             "Access denied: not an admin", kSystem);
    EXPECT_EQ(prefixed.message, "Access denied: not an admin");
    const auto policy = describe_bus_error("org.freedesktop.DBus.Error.AccessDenied",
                                           "Rejected send message", kSystem);
    EXPECT_EQ(policy.exit_code, kExitAccessDenied);
    EXPECT_EQ(policy.message, "access denied by the bus policy: Rejected send message");
}

TEST(BusFailure, DaemonErrorsKeepTheirMessage) {
    EXPECT_EQ(describe_bus_error("org.sluice.Firewall1.Error.InvalidRule",
                                 "'port' is 70000, out of range 0 to 65535", kSystem)
                  .message,
              "invalid rule: 'port' is 70000, out of range 0 to 65535");
    EXPECT_EQ(
        describe_bus_error("org.sluice.Firewall1.Error.NotFound", "no rule 'x'", kSystem).message,
        "not found: no rule 'x'");
    EXPECT_EQ(describe_bus_error("org.example.Strange", "odd", kSystem).message,
              "odd (org.example.Strange)");
    EXPECT_EQ(describe_bus_error("org.freedesktop.DBus.Error.NoReply", "", kSystem).message,
              "sluiced did not answer in time on the system bus");
}

TEST(BusTarget, BusOptionWinsOverTheEnvironmentWhichWinsOverTheSystemBus) {
    auto from_option = choose_bus_target(std::string("session"), "unix:path=/x");
    ASSERT_TRUE(from_option);
    EXPECT_EQ(from_option->kind, BusTarget::Kind::kSession);
    auto from_environment = choose_bus_target(std::nullopt, "unix:path=/x");
    ASSERT_TRUE(from_environment);
    EXPECT_EQ(from_environment->kind, BusTarget::Kind::kAddress);
    EXPECT_EQ(from_environment->address, "unix:path=/x");
    auto fallback = choose_bus_target(std::nullopt, "");
    ASSERT_TRUE(fallback);
    EXPECT_EQ(fallback->kind, BusTarget::Kind::kSystem);
}

TEST(BusTarget, BadValuesNameTheirSource) {
    auto option = choose_bus_target(std::string("nowhere"), nullptr);
    ASSERT_FALSE(option);
    EXPECT_EQ(option.error().message(),
              "--bus must be system, session or a bus address such as "
              "unix:path=/run/dbus/system_bus_socket, not 'nowhere'");
    auto environment = choose_bus_target(std::nullopt, ":bad");
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().message(),
              "SLUICE_BUS must be system, session or a bus address such as "
              "unix:path=/run/dbus/system_bus_socket, not ':bad'");
}

}  // namespace
}  // namespace sluice::cli
