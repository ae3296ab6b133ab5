#include "rules/rule_catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <system_error>

#include "rules/rule_parser.hpp"
#include "rules/text_file.hpp"

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

RuleCatalog::RuleCatalog(ListFileReader read_list) : lists_(std::move(read_list)) {}

bool RuleCatalog::unchanged(const FileRules& file, std::string_view text) {
    if (file.content_size != text.size() ||
        file.content_hash != std::hash<std::string_view>{}(text)) {
        return false;
    }
    return std::all_of(file.lists.begin(), file.lists.end(), [this](const ListDependency& list) {
        auto same = [&](const auto& entry) {
            return entry.clean() && entry.content_size == list.content_size &&
                   entry.content_hash == list.content_hash;
        };
        return list.host_list ? same(lists_.host_list(list.path)) : same(lists_.ip_list(list.path));
    });
}

RuleCatalog::FileRules RuleCatalog::parsed_file(const std::string& path, std::string_view text,
                                                std::vector<Rule> rules) {
    FileRules file;
    file.path = path;
    file.content_size = text.size();
    file.content_hash = std::hash<std::string_view>{}(text);
    std::set<std::pair<std::string, bool>> named;
    for (const auto& rule : rules) {
        if (!rule.host_list_path.empty()) {
            named.emplace(rule.host_list_path, true);
        }
        if (!rule.ip_list_path.empty()) {
            named.emplace(rule.ip_list_path, false);
        }
    }
    for (const auto& [list_path, host_list] : named) {
        ListDependency dependency{list_path, host_list, 0, 0};
        auto record = [&](const auto& entry) {
            dependency.content_size = entry.content_size;
            dependency.content_hash = entry.content_hash;
        };
        if (host_list) {
            record(lists_.host_list(list_path));
        } else {
            record(lists_.ip_list(list_path));
        }
        file.lists.push_back(std::move(dependency));
    }
    file.rules = std::make_shared<const std::vector<Rule>>(std::move(rules));
    return file;
}

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

    std::map<std::string, const FileRules*> last_good;
    for (const auto& file : files_) {
        last_good.emplace(file.path, &file);
    }
    lists_.begin_load();
    std::vector<FileRules> next;
    next.reserve(paths.size());
    for (const auto& path : paths) {
        const auto previous = last_good.find(path);
        std::string read_error;
        const auto text = read_text_file_bounded(path, kMaxRuleFileBytes, read_error);
        if (!text) {
            diagnostics.push_back(Diagnostic{path, 0, 0, "cannot read file: " + read_error});
        } else if (previous != last_good.end() && unchanged(*previous->second, *text)) {
            next.push_back(*previous->second);
            continue;
        } else {
            Diagnostics file_diagnostics;
            auto rules = parse_rules(*text, path, file_diagnostics, lists_);
            if (file_diagnostics.empty()) {
                next.push_back(parsed_file(path, *text, std::move(rules)));
                continue;
            }
            diagnostics.insert(diagnostics.end(), file_diagnostics.begin(), file_diagnostics.end());
        }
        if (previous != last_good.end()) {
            next.push_back(*previous->second);
        }
    }
    lists_.end_load();
    files_ = std::move(next);
    return diagnostics;
}

std::vector<Rule> RuleCatalog::rules() const {
    std::vector<Rule> all;
    for (const auto& file : files_) {
        all.insert(all.end(), file.rules->begin(), file.rules->end());
    }
    return all;
}

std::vector<SharedRules> RuleCatalog::groups() const {
    std::vector<SharedRules> groups;
    groups.reserve(files_.size());
    for (const auto& file : files_) {
        groups.push_back(file.rules);
    }
    return groups;
}

}  // namespace sluice
