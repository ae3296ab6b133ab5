#pragma once

#include <string>
#include <string_view>

namespace sluice {

// A caller's value quoted for an error message: at most 64 characters of it, so a 1 MB
// argument does not come back as a 1 MB error.
std::string quoted(std::string_view text);

}  // namespace sluice
