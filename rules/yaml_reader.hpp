#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.hpp"

namespace sluice {

// Reads one YAML document while collecting every problem with its FILE:LINE:COL, so a loader
// reports all errors of a file at once instead of stopping at the first. The typed getters
// return nullopt after recording a diagnostic; callers just skip the value and go on.
// Not thread-safe; one reader per file being loaded.
class YamlReader {
  public:
    YamlReader(std::string file_name, Diagnostics& diagnostics);

    // Parses a whole document. A syntax error is recorded and yields nullopt.
    std::optional<YAML::Node> parse(std::string_view text);

    void error(const YAML::Node& at, std::string message);
    void error(const YAML::Mark& at, std::string message);
    [[nodiscard]] std::size_t error_count() const { return diagnostics_.size() - first_error_; }
    [[nodiscard]] const std::string& file_name() const { return file_name_; }

    // Checks that `node` is a mapping whose keys are all in `known_keys` and none appears twice
    // (yaml-cpp would silently keep one of them). Reports each offending key at its position.
    bool check_mapping(const YAML::Node& node, std::initializer_list<std::string_view> known_keys,
                       std::string_view what);
    bool check_mapping(const YAML::Node& node, const std::vector<std::string_view>& known_keys,
                       std::string_view what);

    std::optional<std::string> string(const YAML::Node& node, std::string_view key);
    std::optional<bool> boolean(const YAML::Node& node, std::string_view key);
    std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view key,
                                        std::int64_t min, std::int64_t max);
    std::optional<std::chrono::milliseconds> duration(const YAML::Node& node, std::string_view key);
    // A scalar or a flat sequence of scalars, as a list.
    std::optional<std::vector<YAML::Node>> scalar_list(const YAML::Node& node,
                                                       std::string_view key);
    // One of `choices`, reported with the list of valid values otherwise.
    std::optional<std::string> choice(const YAML::Node& node, std::string_view key,
                                      std::initializer_list<std::string_view> choices);

  private:
    std::string file_name_;
    Diagnostics& diagnostics_;
    std::size_t first_error_;
};

// Reads a whole file, recording an unreadable file as a diagnostic at 0:0.
std::optional<std::string> read_text_file(const std::string& path, Diagnostics& diagnostics);

}  // namespace sluice
