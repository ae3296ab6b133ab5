#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cli/value.hpp"

namespace sluice::cli {

// One "key:  value" line per entry, values aligned: the keys of `preferred_order` first (those
// present), then every other key in name order, so fields a newer daemon adds still show.
std::string key_value_text(const Object& object, std::span<const std::string_view> preferred_order);

}  // namespace sluice::cli
