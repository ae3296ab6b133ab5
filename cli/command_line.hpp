#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.hpp"
#include "rules/rule_fields.hpp"

namespace sluice::cli {

enum class Command : std::uint8_t {
    kHelp,
    kVersion,
    kStatus,
    kRulesList,
    kRulesShow,
    kRulesAdd,
    kRulesRemove,
    kRulesEdit,
    kRulesCheck,
    kConnections,
    kMonitor,
    kPrompt,
    kEnable,
    kDisable,
    kReload,
};

// One option a command accepts. Rule field options are generated from rules/rule_fields.hpp,
// so `rules add` takes every key a rule file may have, spelled with '-' for '_'.
struct OptionSpec {
    std::string name;  // without the leading "--"
    enum class Arity : std::uint8_t { kFlag, kValue, kOptionalValue } arity = Arity::kValue;
    bool repeatable = false;
    std::string value_name;  // for help texts: "FILE", "exact|domain|any", ...
    std::string help;
    std::string value_help;  // what a value looks like, when value_name cannot say it
};

struct CommandSpec {
    Command command;
    std::string words;     // "rules add"
    std::string operands;  // "ID", "FILE...", "" for none
    std::size_t min_operands = 0;
    std::size_t max_operands = 0;  // kUnbounded for "..."
    std::vector<OptionSpec> options;
    std::string summary;

    static constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);
};

// "local-port" for the rule field local_port: the option spelling of a rule file key.
std::string rule_option_name(std::string_view field_name);
// Whether a rule file accepts a list for `field`; such options repeat and split on commas.
bool rule_field_accepts_list(RuleField field);

// Every command, in the order --help lists them. Built once, never changed.
std::span<const CommandSpec> command_specs();
const CommandSpec& command_spec(Command command);

struct CommandOption {
    std::string name;   // without "--"
    std::string value;  // "" for a flag
    bool has_value = false;
};

// What the user asked for: the global options, the command, and its operands and options as
// written (validated against the command's OptionSpecs, values not yet interpreted).
struct Invocation {
    Command command = Command::kHelp;
    std::optional<std::string> bus;  // --bus as given
    bool json = false;
    std::vector<std::string> operands;
    std::vector<CommandOption> options;  // command-line order

    [[nodiscard]] bool has(std::string_view name) const;
    // The last value given for `name`.
    [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
    // Every value given for a repeatable option, in order.
    [[nodiscard]] std::vector<std::string> values(std::string_view name) const;
};

// Parses the arguments after argv[0]. Global options (--bus, --json, --help, --version) may
// appear anywhere; command options after the command words; "--" ends the options. The error
// is the one-line message sluicectl prints after "sluicectl: ".
Result<Invocation> parse_command_line(std::span<const std::string> arguments);

}  // namespace sluice::cli
