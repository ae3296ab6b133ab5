#pragma once

#include <string>
#include <string_view>

#include "cli/value.hpp"

namespace sluice::cli {

// One line of JSON (RFC 8259), no trailing newline: --json output and monitor's JSON lines.
// Strings are escaped for every control character; D-Bus has already guaranteed they are UTF-8.
// A NaN or infinite double, which JSON cannot express, becomes null.
std::string to_json(const Value& value);

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

}  // namespace sluice::cli
