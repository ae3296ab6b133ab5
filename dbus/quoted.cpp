#include "dbus/quoted.hpp"

namespace sluice {

std::string quoted(std::string_view text) {
    constexpr std::size_t kMaxQuoted = 64;
    if (text.size() > kMaxQuoted) {
        return "'" + std::string(text.substr(0, kMaxQuoted)) + "...'";
    }
    return "'" + std::string(text) + "'";
}

}  // namespace sluice
