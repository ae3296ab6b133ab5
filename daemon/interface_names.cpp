#include "daemon/interface_names.hpp"

#include <net/if.h>

namespace sluice {

const std::string& InterfaceNames::name_of(std::uint32_t index) {
    static const std::string kNone;
    if (index == 0) {
        return kNone;
    }
    if (const auto found = names_.find(index); found != names_.end()) {
        return found->second;
    }
    if (names_.size() >= kMaxEntries) {
        names_.clear();
    }
    char buffer[IF_NAMESIZE] = {};
    std::string name = if_indextoname(index, buffer) != nullptr ? buffer : std::string();
    return names_.emplace(index, std::move(name)).first->second;
}

}  // namespace sluice
