#pragma once

#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/Types.h>

#include "cli/value.hpp"

namespace sluice::cli {

using VariantDict = std::map<std::string, sdbus::Variant>;

// Converts what sluiced sends (a{sv} dictionaries of the spec) to sluicectl's value tree.
// Basic types, variants, arrays of them, string-keyed dictionaries and arrays of a{sv} are
// converted; anything more exotic shows as "(D-Bus type SIG)" instead of failing the command.
Value from_variant(const sdbus::Variant& variant);
Object from_dict(const VariantDict& dict);
std::vector<Object> from_dicts(const std::vector<VariantDict>& dicts);

}  // namespace sluice::cli
