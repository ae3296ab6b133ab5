#include "cli/connection_view.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

Object curl_connection() {
    return Object{{"pid", std::uint64_t{1234}},
                  {"exe", "/usr/bin/curl"},
                  {"cmdline", Value::List{"curl", "-s", "http://example.com/"}},
                  {"uid", std::uint64_t{1000}},
                  {"user", "alice"},
                  {"unit", "session-2.scope"},
                  {"package", ""},
                  {"protocol", "tcp"},
                  {"src", "10.77.0.1"},
                  {"sport", std::uint64_t{40000}},
                  {"dst", "10.77.0.2"},
                  {"dport", std::uint64_t{80}},
                  {"host", "example.com"},
                  {"direction", "out"}};
}

TEST(ConnectionView, RemoteEndpointPrefersTheHostNameAndBracketsIpv6) {
    EXPECT_EQ(remote_endpoint(curl_connection()), "example.com (10.77.0.2):80");
    EXPECT_EQ(remote_endpoint(Object{{"dst", "fd77::2"}, {"dport", std::uint64_t{443}}}),
              "[fd77::2]:443");
    EXPECT_EQ(remote_endpoint(Object{{"direction", "in"},
                                     {"src", "10.77.0.2"},
                                     {"sport", std::uint64_t{5555}},
                                     {"dst", "10.77.0.1"},
                                     {"dport", std::uint64_t{22}}}),
              "10.77.0.2:5555");
}

TEST(ConnectionView, DecisionAndPromptLinesSummariseTheFlow) {
    Object decided = curl_connection();
    decided.emplace("verdict", "allow");
    decided.emplace("rule", "web");
    EXPECT_EQ(decision_line("12:00:01", decided),
              "12:00:01 allow /usr/bin/curl[1234] alice tcp out example.com (10.77.0.2):80 "
              "rule=web");
    EXPECT_EQ(prompt_pending_line("12:00:02", "7", curl_connection()),
              "12:00:02 prompt 7 /usr/bin/curl[1234] alice tcp out example.com (10.77.0.2):80");
}

TEST(ConnectionView, IncomingDetailsShowWhereFromAndTheLocalPort) {
    EXPECT_EQ(connection_details(Object{{"exe", "/usr/sbin/sshd"},
                                        {"direction", "in"},
                                        {"protocol", "tcp"},
                                        {"src", "10.77.0.2"},
                                        {"sport", std::uint64_t{5555}},
                                        {"dport", std::uint64_t{22}}}),
              "  process:     /usr/sbin/sshd\n"
              "  from:        10.77.0.2:5555 tcp\n"
              "  local port:  22\n");
}

TEST(ConnectionView, DecisionWithoutRuleShowsItsReason) {
    Object decided = curl_connection();
    decided.emplace("verdict", "allow");
    decided.emplace("rule", "");
    decided.emplace("reason", "no-agent");
    EXPECT_EQ(decision_line("12:00:03", decided),
              "12:00:03 allow /usr/bin/curl[1234] alice tcp out example.com (10.77.0.2):80 "
              "reason=no-agent");
    EXPECT_NE(connections_table({decided}).find("allow    (no-agent)"), std::string::npos);
}

TEST(ConnectionView, DetailsShowProcessCommandUserAndRemoteEnd) {
    EXPECT_EQ(connection_details(curl_connection()),
              "  process:     /usr/bin/curl (pid 1234)\n"
              "  command:     curl -s http://example.com/\n"
              "  user:        alice (uid 1000)\n"
              "  unit:        session-2.scope\n"
              "  to:          example.com (10.77.0.2):80 tcp\n");
}

TEST(ConnectionView, DetailsCannotCarryTerminalEscapes) {
    const Object hostile{{"exe", "/tmp/x\x1b[2J"}, {"cmdline", Value::List{"x\rallow?"}}};
    EXPECT_EQ(connection_details(hostile),
              "  process:     /tmp/x\\x1b[2J\n"
              "  command:     x\\x0dallow?\n");
}

TEST(ConnectionView, TableHasOneRowPerFlow) {
    Object flow = curl_connection();
    flow.emplace("verdict", "deny");
    flow.emplace("rule", "no-web");
    flow.emplace("bytes", std::uint64_t{1500});
    EXPECT_EQ(
        connections_table({flow}),
        "PROCESS         PID  USER   PROTO  DIR  REMOTE                      VERDICT  RULE    "
        "BYTES\n"
        "/usr/bin/curl  1234  alice  tcp    out  example.com (10.77.0.2):80  deny     no-web   "
        "1500\n");
}

}  // namespace
}  // namespace sluice::cli
