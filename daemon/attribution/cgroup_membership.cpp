#include "daemon/attribution/cgroup_membership.hpp"

#include <array>
#include <vector>

namespace sluice {

namespace {

// Container ids are 64 hex digits; the first 12 are what `docker ps` shows.
constexpr std::size_t kShortIdLength = 12;

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        if (!part.empty()) {
            parts.push_back(part);
        }
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return parts;
}

bool is_unit(std::string_view component) {
    return component.ends_with(".service") || component.ends_with(".scope");
}

std::string short_id(std::string_view id) {
    return std::string(id.substr(0, kShortIdLength));
}

// Recognises one path component of the common container runtimes' layouts:
// systemd driver ("docker-ID.scope", "libpod-ID.scope", "cri-containerd-ID.scope",
// "crio-ID.scope", "machine-NAME.scope"), cgroupfs driver ("docker/ID", "lxc/NAME",
// "lxc.payload.NAME").
std::string container_of(const std::vector<std::string_view>& parts) {
    struct ScopePrefix {
        std::string_view prefix;
        std::string_view runtime;
    };
    constexpr std::array<ScopePrefix, 5> kScopes = {{{"docker-", "docker"},
                                                     {"libpod-", "podman"},
                                                     {"cri-containerd-", "containerd"},
                                                     {"crio-", "cri-o"},
                                                     {"machine-", "nspawn"}}};
    for (std::size_t i = parts.size(); i-- > 0;) {
        std::string_view part = parts[i];
        if (part.ends_with(".scope")) {
            part.remove_suffix(std::string_view(".scope").size());
            for (const auto& scope : kScopes) {
                if (part.starts_with(scope.prefix) && part.size() > scope.prefix.size()) {
                    const std::string_view id = part.substr(scope.prefix.size());
                    const bool named = scope.runtime == "nspawn";
                    return std::string(scope.runtime) + ":" +
                           (named ? std::string(id) : short_id(id));
                }
            }
        }
        if (part.starts_with("lxc.payload.") && part.size() > 12) {
            return "lxc:" + std::string(part.substr(12));
        }
        if (i > 0 && (parts[i - 1] == "docker" || parts[i - 1] == "lxc")) {
            const bool named = parts[i - 1] == "lxc";
            return std::string(parts[i - 1]) + ":" + (named ? std::string(part) : short_id(part));
        }
    }
    return {};
}

}  // namespace

CgroupMembership parse_cgroup_membership(std::string_view text) {
    std::string_view unified;
    std::string_view systemd;
    bool have_unified = false;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        const std::size_t first = line.find(':');
        const std::size_t second =
            first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) {
            continue;
        }
        const std::string_view hierarchy = line.substr(0, first);
        const std::string_view controllers = line.substr(first + 1, second - first - 1);
        const std::string_view path = line.substr(second + 1);
        if (hierarchy == "0" && controllers.empty()) {
            unified = path;
            have_unified = true;
        } else if (controllers == "name=systemd") {
            systemd = path;
        }
    }
    CgroupMembership membership;
    const std::string_view chosen =
        (!have_unified || (unified == "/" && !systemd.empty())) ? systemd : unified;
    membership.path = std::string(chosen);
    const auto parts = components(chosen);
    for (std::size_t i = parts.size(); i-- > 0;) {
        if (is_unit(parts[i])) {
            membership.unit = std::string(parts[i]);
            break;
        }
    }
    membership.container = container_of(parts);
    return membership;
}

}  // namespace sluice
