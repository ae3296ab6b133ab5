#include "daemon/attribution/mountinfo.hpp"

#include <algorithm>
#include <array>

namespace sluice {

namespace {

// The kernel escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape(std::string_view text) {
    std::string plain;
    plain.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size() &&
            std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        text.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                        [](char c) { return c >= '0' && c <= '7'; })) {
            plain.push_back(static_cast<char>(((text[i + 1] - '0') << 6) |
                                              ((text[i + 2] - '0') << 3) | (text[i + 3] - '0')));
            i += 3;
        } else {
            plain.push_back(text[i]);
        }
    }
    return plain;
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> fields;
    while (!line.empty()) {
        const std::size_t begin = line.find_first_not_of(' ');
        if (begin == std::string_view::npos) {
            break;
        }
        line.remove_prefix(begin);
        const std::size_t end = std::min(line.find(' '), line.size());
        fields.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
    return fields;
}

}  // namespace

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
    std::vector<MountEntry> mounts;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        const auto fields = split(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
        // id parent major:minor root mount-point options [optional...] - type source options
        const auto separator = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 6 || separator == fields.end() || separator - fields.begin() < 6 ||
            fields.end() - separator < 2) {
            continue;
        }
        mounts.push_back({std::string(fields[2]), unescape(fields[4]), std::string(separator[1])});
    }
    return mounts;
}

bool may_hold_programs(std::string_view fs_type) {
    constexpr std::array<std::string_view, 20> kPseudo = {
        "proc",    "sysfs",      "cgroup",      "cgroup2",  "devpts",     "mqueue",   "debugfs",
        "tracefs", "securityfs", "pstore",      "bpf",      "configfs",   "fusectl",  "nsfs",
        "autofs",  "hugetlbfs",  "binfmt_misc", "efivarfs", "rpc_pipefs", "selinuxfs"};
    return std::find(kPseudo.begin(), kPseudo.end(), fs_type) == kPseudo.end();
}

}  // namespace sluice
