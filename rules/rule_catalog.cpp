#include "rules/rule_catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "rules/rule_parser.hpp"

namespace sluice {

namespace {

namespace fs = std::filesystem;

bool is_rule_file_name(const std::string& name) {
    return name.size() > 5 && name.front() != '.' && name.ends_with(".yaml");
}

// The rule files of `dir` in name order, or a diagnostic when it exists but cannot be listed.
std::vector<std::string> rule_files_in(const std::string& dir, Diagnostics& diagnostics) {
    std::error_code error;
    const auto status = fs::status(dir, error);
    if (status.type() == fs::file_type::not_found) {
        return {};
    }
    if (error) {
        diagnostics.push_back(
            Diagnostic{dir, 0, 0, "cannot read rules directory: " + error.message()});
        return {};
    }
    if (status.type() != fs::file_type::directory) {
        diagnostics.push_back(Diagnostic{dir, 0, 0, "rules directory is not a directory"});
        return {};
    }
    std::vector<std::string> names;
    fs::directory_iterator entries(dir, error);
    for (; !error && entries != fs::directory_iterator(); entries.increment(error)) {
        const auto name = entries->path().filename().string();
        std::error_code type_error;
        if (is_rule_file_name(name) && entries->is_regular_file(type_error)) {
            names.push_back(name);
        }
    }
    if (error) {
        diagnostics.push_back(
            Diagnostic{dir, 0, 0, "cannot read rules directory: " + error.message()});
        return {};
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> paths;
    paths.reserve(names.size());
    for (const auto& name : names) {
        paths.push_back((fs::path(dir) / name).string());
    }
    return paths;
}

}  // namespace

Diagnostics RuleCatalog::load(const std::vector<std::string>& dirs, const std::string& state_path) {
    Diagnostics diagnostics;
    std::vector<std::string> paths;
    for (const auto& dir : dirs) {
        auto found = rule_files_in(dir, diagnostics);
        paths.insert(paths.end(), found.begin(), found.end());
    }
    std::error_code error;
    if (!state_path.empty() && fs::status(state_path, error).type() != fs::file_type::not_found) {
        paths.push_back(state_path);
    }

    std::map<std::string, const std::vector<Rule>*> last_good;
    for (auto& file : files_) {
        last_good.emplace(file.path, &file.rules);
    }
    std::vector<FileRules> next;
    next.reserve(paths.size());
    for (const auto& path : paths) {
        Diagnostics file_diagnostics;
        auto rules = load_rule_file(path, file_diagnostics);
        if (file_diagnostics.empty()) {
            next.push_back({path, std::move(rules)});
            continue;
        }
        diagnostics.insert(diagnostics.end(), file_diagnostics.begin(), file_diagnostics.end());
        const auto previous = last_good.find(path);
        if (previous != last_good.end()) {
            next.push_back({path, *previous->second});
        }
    }
    files_ = std::move(next);
    return diagnostics;
}

std::vector<Rule> RuleCatalog::rules() const {
    std::vector<Rule> all;
    for (const auto& file : files_) {
        all.insert(all.end(), file.rules.begin(), file.rules.end());
    }
    return all;
}

}  // namespace sluice
