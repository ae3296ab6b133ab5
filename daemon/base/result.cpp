#include "daemon/base/result.hpp"

#include <cstring>

namespace sluice {

std::string Error::message() const {
    if (errno_value == 0) {
        return what;
    }
    return what + ": " + std::strerror(errno_value);
}

}  // namespace sluice
