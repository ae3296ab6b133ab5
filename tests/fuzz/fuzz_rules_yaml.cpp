// Feeds arbitrary bytes to the rules file parser, then checks what survives against the
// properties the daemon relies on: every accepted rule writes out (to_yaml) and parses back
// to the same rule, and the compiled RuleIndex decides exactly as ranking every rule would.
// A violation aborts, which libFuzzer reports as a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/rule_index.hpp"
#include "rules/rule_matcher.hpp"
#include "rules/rule_parser.hpp"
#include "rules/rule_writer.hpp"

namespace {

// The fuzzer must not read real files. A host_list/ip_list "file" contains its own path, and
// since a quoted YAML path may hold newlines, the list parsers get fuzzed through it too.
std::optional<std::string> path_as_list(const std::string& path, std::string& /*error*/) {
    return path;
}

sluice::Connection probe_connection() {
    sluice::Connection connection;
    connection.protocol = sluice::Protocol::kTcp;
    connection.remote_address = sluice::IpAddress::parse("10.1.2.3").value();
    connection.remote_port = 443;
    connection.local_port = 50000;
    connection.interface = "eth0";
    connection.uid = 1000;
    connection.user_name = "alice";
    connection.gid = 100;
    connection.group_name = "users";
    connection.pid = 4242;
    connection.exe = "/usr/lib/firefox/firefox";
    connection.package = "firefox-esr:amd64";
    connection.sha256 = std::string(64, 'A');
    connection.unit = "app-firefox-1.scope";
    connection.host_names = {"www.example.com", "a.b.c.example.net"};
    return connection;
}

// The same connection seen over IPv6, and one that names nothing a seed rule has.
sluice::Connection other_connection(int variant) {
    auto connection = probe_connection();
    if (variant == 1) {
        connection.remote_address = sluice::IpAddress::parse("2001:db8::1").value();
        connection.direction = sluice::Direction::kIn;
        connection.protocol = sluice::Protocol::kUdp;
    } else {
        connection.exe = "/opt/x";
        connection.host_names = {"example.org"};
        connection.package.clear();
        connection.remote_port = 0;
    }
    return connection;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

const sluice::Rule* scan(const std::vector<sluice::Rule>& rules, const sluice::Connection& c,
                         sluice::TimePoint now) {
    const sluice::Rule* best = nullptr;
    sluice::MatchRank best_rank;
    for (const auto& rule : rules) {
        const auto rank = sluice::rank_match(rule, c, now);
        if (rank && (best == nullptr || *rank > best_rank)) {
            best = &rule;
            best_rank = *rank;
        }
    }
    return best;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sluice::Diagnostics diagnostics;
    auto rules = sluice::parse_rules(text, "fuzz.yaml", diagnostics, path_as_list);
    for (const auto& diagnostic : diagnostics) {
        (void)diagnostic.to_string();
    }

    // Written out and read back, the rules are the same rules.
    sluice::Diagnostics reread_diagnostics;
    const auto reread =
        sluice::parse_rules(sluice::to_yaml(rules), "fuzz.yaml", reread_diagnostics, path_as_list);
    if (!reread_diagnostics.empty() || reread.size() != rules.size()) {
        fail("to_yaml output does not parse back cleanly");
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (!sluice::same_definition(rules[i], reread[i])) {
            fail("a rule read back from to_yaml differs");
        }
    }

    const sluice::RuleIndex index(rules);
    const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
    for (const auto& connection : {probe_connection(), other_connection(1), other_connection(2)}) {
        const sluice::Rule* compiled = index.match(connection, now);
        const sluice::Rule* expected = scan(rules, connection, now);
        const bool same = compiled == nullptr
                              ? expected == nullptr
                              : expected != nullptr && compiled->id == expected->id &&
                                    compiled->source == expected->source;
        if (!same) {
            fail("the compiled index and a scan of every rule disagree");
        }
        if (const auto explanation = index.explain(connection, now)) {
            (void)explanation->to_string();
        }
    }
    return 0;
}
