// Feeds arbitrary bytes to the rules file parser, then matches the surviving rules against a
// fixed connection so the matcher runs on every shape of rule the parser accepts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/rule_index.hpp"
#include "rules/rule_parser.hpp"

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
    connection.unit = "app-firefox-1.scope";
    connection.host_names = {"www.example.com", "a.b.c.example.net"};
    return connection;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sluice::Diagnostics diagnostics;
    auto rules = sluice::parse_rules(text, "fuzz.yaml", diagnostics, path_as_list);
    for (const auto& diagnostic : diagnostics) {
        (void)diagnostic.to_string();
    }
    const sluice::RuleIndex index(std::move(rules));
    const auto connection = probe_connection();
    const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
    (void)index.match(connection, now);
    if (const auto explanation = index.explain(connection, now)) {
        (void)explanation->to_string();
    }
    return 0;
}
