#pragma once

#include <string>

namespace sluice::cli {

// sluicectl --help: the whole manual (synopsis, commands, every option, exit status,
// environment, examples). Command and rule field options are generated from the same tables
// the parser uses (command_line.hpp, rules/rule_fields.hpp), so the text cannot drift.
std::string help_text();

// "sluicectl VERSION\n".
std::string version_text();

}  // namespace sluice::cli
