#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/connection.hpp"
#include "rules/diagnostic.hpp"
#include "rules/rule.hpp"
#include "rules/rule_parser.hpp"

namespace sluice::testing {

// Formats diagnostics the way users see them, so tests compare whole lines.
inline std::vector<std::string> to_strings(const Diagnostics& diagnostics) {
    std::vector<std::string> lines;
    for (const auto& diagnostic : diagnostics) {
        lines.push_back(diagnostic.to_string());
    }
    return lines;
}

// List files served from memory; a path not in the map is "No such file or directory".
inline ListFileReader fake_lists(std::map<std::string, std::string> files) {
    return [files = std::move(files)](const std::string& path,
                                      std::string& error) -> std::optional<std::string> {
        const auto found = files.find(path);
        if (found == files.end()) {
            error = "No such file or directory";
            return std::nullopt;
        }
        return found->second;
    };
}

struct ParseResult {
    std::vector<Rule> rules;
    std::vector<std::string> errors;
};

inline ParseResult parse(std::string_view yaml, const ListFileReader& lists = fake_lists({})) {
    Diagnostics diagnostics;
    ParseResult result;
    result.rules = parse_rules(yaml, "rules.yaml", diagnostics, lists);
    result.errors = to_strings(diagnostics);
    return result;
}

// Parses a file that must be clean; fails the test otherwise.
inline std::vector<Rule> parse_clean(std::string_view yaml,
                                     const ListFileReader& lists = fake_lists({})) {
    auto result = parse(yaml, lists);
    EXPECT_EQ(result.errors, std::vector<std::string>{}) << yaml;
    return std::move(result.rules);
}

// The connection of docs/rules.md's precedence examples, which every criterion can name: curl
// run by alice, fetching https://www.example.com from 192.0.2.10.
inline Connection curl_connection() {
    Connection connection;
    connection.direction = Direction::kOut;
    connection.protocol = Protocol::kTcp;
    connection.local_address = IpAddress::parse("198.51.100.2").value();
    connection.remote_address = IpAddress::parse("192.0.2.10").value();
    connection.local_port = 50000;
    connection.remote_port = 443;
    connection.interface = "eth0";
    connection.uid = 1000;
    connection.gid = 100;
    connection.user_name = "alice";
    connection.group_name = "users";
    connection.pid = 4242;
    connection.exe = "/usr/bin/curl";
    connection.package = "curl:amd64";
    connection.sha256 = std::string(64, 'a');
    connection.unit = "user@1000.service";
    connection.host_names = {"www.example.com"};
    return connection;
}

// A fresh directory under $TMPDIR, removed with everything in it when the test ends, even
// when it fails.
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sluice-rules-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;

    [[nodiscard]] std::string path() const { return path_.string(); }
    [[nodiscard]] std::string path(std::string_view name) const { return (path_ / name).string(); }
    // Writes `text` to `name` (creating parent directories) and returns its full path.
    std::string write(std::string_view name, std::string_view text) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write " + file.string());
        }
        return file.string();
    }

  private:
    std::filesystem::path path_;
};

}  // namespace sluice::testing
