// Every rules file shipped in config/rules.d must load cleanly and mean what its comments say.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "rules/rule_catalog.hpp"
#include "rules/rule_index.hpp"
#include "rules/rule_parser.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

const std::string kShippedRulesDir = std::string(SLUICE_SOURCE_DIR) + "/config/rules.d";

std::vector<std::string> shipped_files() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(kShippedRulesDir)) {
        if (entry.path().extension() == ".yaml") {
            files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(ShippedRules, EveryFileInConfigRulesDLoadsWithoutDiagnostics) {
    const auto files = shipped_files();
    ASSERT_FALSE(files.empty()) << kShippedRulesDir;
    for (const auto& file : files) {
        Diagnostics diagnostics;
        const auto rules = load_rule_file(file, diagnostics);
        EXPECT_EQ(testing::to_strings(diagnostics), std::vector<std::string>{}) << file;
        EXPECT_FALSE(rules.empty()) << file << " has no active rules";
    }
}

TEST(ShippedRules, CatalogLoadsTheDirectoryWithoutDiagnostics) {
    RuleCatalog catalog;
    EXPECT_EQ(testing::to_strings(catalog.load({kShippedRulesDir}, "")),
              std::vector<std::string>{});
    std::set<std::string> ids;
    for (const auto& rule : catalog.rules()) {
        EXPECT_TRUE(ids.insert(rule.id).second) << "id used twice: " << rule.id;
    }
}

Connection system_connection(std::string exe, Protocol protocol, std::uint16_t port) {
    Connection connection;
    connection.protocol = protocol;
    connection.remote_address = IpAddress::parse("192.0.2.53").value();
    connection.remote_port = port;
    connection.local_port = 40000;
    connection.exe = std::move(exe);
    connection.uid = 990;
    return connection;
}

TEST(ShippedRules, SystemRulesAllowOnlyWhatTheySay) {
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({kShippedRulesDir}, "").empty());
    const RuleIndex index(catalog.rules());
    const auto now = std::chrono::system_clock::now();
    auto decision = [&](const Connection& connection) {
        const Rule* rule = index.match(connection, now);
        return rule == nullptr ? std::string("none") : std::string(to_string(rule->action));
    };
    EXPECT_EQ(decision(system_connection("/usr/lib/systemd/systemd-resolved", Protocol::kUdp, 53)),
              "allow");
    EXPECT_EQ(decision(system_connection("/usr/lib/systemd/systemd-resolved", Protocol::kTcp, 853)),
              "allow");
    EXPECT_EQ(
        decision(system_connection("/usr/lib/systemd/systemd-timesyncd", Protocol::kUdp, 123)),
        "allow");
    EXPECT_EQ(decision(system_connection("/usr/lib/apt/methods/http", Protocol::kTcp, 443)),
              "allow");
    EXPECT_EQ(decision(system_connection("/usr/lib/systemd/systemd-resolved", Protocol::kTcp, 443)),
              "none");
    EXPECT_EQ(decision(system_connection("/usr/bin/curl", Protocol::kUdp, 53)), "none");
}

}  // namespace
}  // namespace sluice
