#include "cli/command_line.hpp"

#include <algorithm>

namespace sluice::cli {

namespace {

using Arity = OptionSpec::Arity;

std::vector<OptionSpec> rule_field_options() {
    std::vector<OptionSpec> options;
    for (const auto& info : rule_fields()) {
        OptionSpec option;
        option.name = rule_option_name(info.name);
        option.arity = info.field == RuleField::kLog ? Arity::kOptionalValue : Arity::kValue;
        option.repeatable = rule_field_accepts_list(info.field);
        option.value_name = option.arity == Arity::kValue ? "VALUE" : "true|false";
        option.help = std::string(info.help);
        option.value_help = std::string(info.values);
        options.push_back(std::move(option));
    }
    return options;
}

std::vector<CommandSpec> build_command_specs() {
    constexpr auto kMany = CommandSpec::kUnbounded;
    std::vector<OptionSpec> edit_options = rule_field_options();
    edit_options.push_back({"unset", Arity::kValue, true, "FIELD",
                            "remove FIELD from the rule, e.g. --unset host", ""});
    return {
        {Command::kHelp, "help", "", 0, 0, {}, "show this help"},
        {Command::kVersion, "version", "", 0, 0, {}, "print sluicectl's version"},
        {Command::kStatus,
         "status",
         "",
         0,
         0,
         {},
         "show the daemon's version, posture, whether it is enabled, and its counters"},
        {Command::kRulesList,
         "rules list",
         "",
         0,
         0,
         {},
         "list every rule: id, action, what it matches, where it comes from, hits"},
        {Command::kRulesShow, "rules show", "ID", 1, 1, {}, "show every field of one rule"},
        {Command::kRulesAdd, "rules add", "", 0, 0, rule_field_options(),
         "add a rule (kept in the daemon's state rules file) and print its id; --action is "
         "required"},
        {Command::kRulesRemove,
         "rules rm",
         "ID...",
         1,
         kMany,
         {},
         "remove rules; rules of the admin rule files are read-only"},
        {Command::kRulesEdit, "rules edit", "ID", 1, 1, std::move(edit_options),
         "change the given fields of a rule and keep the others"},
        {Command::kRulesCheck,
         "rules check",
         "FILE...",
         0,
         kMany,
         {{"host-list", Arity::kValue, true, "FILE", "also check FILE as a host_list file", ""},
          {"ip-list", Arity::kValue, true, "FILE", "also check FILE as an ip_list file", ""}},
         "check rule files (and the host/ip lists they name) without a daemon; prints "
         "FILE:LINE:COL: error: MESSAGE for each problem"},
        {Command::kConnections,
         "connections",
         "",
         0,
         0,
         {},
         "list live flows with process, user, remote end and verdict"},
        {Command::kMonitor,
         "monitor",
         "",
         0,
         0,
         {},
         "print each decision and each pending prompt as it happens, until Ctrl-C"},
        {Command::kPrompt,
         "prompt",
         "",
         0,
         0,
         {{"match-host", Arity::kValue, false, "exact|domain|any",
           "how wide the rule made from an answer is on the host (default exact)", ""},
          {"any-port", Arity::kFlag, false, "",
           "rules made from answers match any port (default: the port asked about)", ""},
          {"any-user", Arity::kFlag, false, "",
           "rules made from answers match every user (default: the connection's user)", ""}},
         "answer prompts at this terminal: show each connection waiting for a decision and "
         "read the answer"},
        {Command::kEnable, "enable", "", 0, 0, {}, "filter connections again after disable"},
        {Command::kDisable,
         "disable",
         "",
         0,
         0,
         {},
         "let every new connection through (decided-by-disabled) until enable"},
        {Command::kReload, "reload", "", 0, 0, {}, "re-read the daemon's configuration and rules"},
    };
}

// Words that name a command, including aliases.
std::optional<Command> rules_subcommand(std::string_view word) {
    if (word == "list" || word == "ls") {
        return Command::kRulesList;
    }
    if (word == "show") {
        return Command::kRulesShow;
    }
    if (word == "add") {
        return Command::kRulesAdd;
    }
    if (word == "rm" || word == "remove") {
        return Command::kRulesRemove;
    }
    if (word == "edit") {
        return Command::kRulesEdit;
    }
    if (word == "check") {
        return Command::kRulesCheck;
    }
    return std::nullopt;
}

std::optional<Command> top_level_command(std::string_view word) {
    for (const auto& spec : command_specs()) {
        if (spec.words == word && spec.words.find(' ') == std::string::npos) {
            return spec.command;
        }
    }
    return std::nullopt;
}

const OptionSpec* find_option(const CommandSpec& spec, std::string_view name) {
    for (const auto& option : spec.options) {
        if (option.name == name) {
            return &option;
        }
    }
    return nullptr;
}

Error usage(std::string message) {
    return Error{std::move(message) + " (see sluicectl --help)"};
}

// Parses the arguments left to right; one instance per parse.
class Parser {
  public:
    explicit Parser(std::span<const std::string> arguments) : arguments_(arguments) {}

    Result<Invocation> parse() {
        for (index_ = 0; index_ < arguments_.size(); ++index_) {
            const std::string& argument = arguments_[index_];
            auto step = (!options_ended_ && argument.size() > 1 && argument[0] == '-')
                            ? option(argument)
                            : word(argument);
            if (!step) {
                return step.error();
            }
        }
        if (help_) {
            return Invocation{Command::kHelp, invocation_.bus, invocation_.json, {}, {}};
        }
        if (version_) {
            return Invocation{Command::kVersion, invocation_.bus, invocation_.json, {}, {}};
        }
        if (!spec_) {
            return awaiting_rules_subcommand_
                       ? usage("'rules' needs one of list, show, add, rm, edit, check")
                       : usage("no command given");
        }
        if (auto done = finish(); !done) {
            return done.error();
        }
        return std::move(invocation_);
    }

  private:
    Result<void> word(const std::string& word) {
        if (spec_) {
            invocation_.operands.push_back(word);
            if (invocation_.operands.size() > spec_->max_operands) {
                return usage("unexpected argument '" + word + "' for '" + spec_->words + "'");
            }
            return {};
        }
        std::optional<Command> command;
        if (awaiting_rules_subcommand_) {
            command = rules_subcommand(word);
            if (!command) {
                return usage("unknown rules command '" + word +
                             "'; use list, show, add, rm, edit or check");
            }
        } else if (word == "rules") {
            awaiting_rules_subcommand_ = true;
            return {};
        } else {
            command = top_level_command(word);
            if (!command) {
                return usage("unknown command '" + word + "'");
            }
        }
        spec_ = &command_spec(*command);
        invocation_.command = *command;
        return {};
    }

    Result<void> option(const std::string& argument) {
        if (argument == "--") {
            options_ended_ = true;
            return {};
        }
        if (argument == "-h" || argument == "--help") {
            help_ = true;
            return {};
        }
        if (argument.size() < 3 || argument[1] != '-') {
            return usage("unknown option '" + argument + "'");
        }
        const auto equals = argument.find('=');
        const std::string name = argument.substr(2, equals - 2);
        const std::optional<std::string> inline_value =
            equals == std::string::npos ? std::nullopt
                                        : std::optional<std::string>(argument.substr(equals + 1));
        if (name == "json" || name == "version") {
            if (inline_value) {
                return usage("option '--" + name + "' takes no value");
            }
            (name == "json" ? invocation_.json : version_) = true;
            return {};
        }
        if (name == "bus") {
            auto value = take_value(name, inline_value);
            if (!value) {
                return value.error();
            }
            invocation_.bus = std::move(*value);
            return {};
        }
        const OptionSpec* option = spec_ ? find_option(*spec_, name) : nullptr;
        if (option == nullptr) {
            return usage(spec_ ? "unknown option '--" + name + "' for '" + spec_->words + "'"
                               : "unknown option '--" + name + "'");
        }
        if (!option->repeatable && invocation_.has(name)) {
            return usage("option '--" + name + "' given twice");
        }
        CommandOption given{name, "", false};
        switch (option->arity) {
            case Arity::kFlag:
                if (inline_value) {
                    return usage("option '--" + name + "' takes no value");
                }
                break;
            case Arity::kOptionalValue:
                if (inline_value) {
                    given.value = *inline_value;
                    given.has_value = true;
                }
                break;
            case Arity::kValue: {
                auto value = take_value(name, inline_value);
                if (!value) {
                    return value.error();
                }
                given.value = std::move(*value);
                given.has_value = true;
                break;
            }
        }
        invocation_.options.push_back(std::move(given));
        return {};
    }

    // "--name=value", or the next argument whatever it looks like ("--priority -5").
    Result<std::string> take_value(const std::string& name,
                                   const std::optional<std::string>& inline_value) {
        if (inline_value) {
            return *inline_value;
        }
        if (index_ + 1 >= arguments_.size()) {
            return usage("option '--" + name + "' needs a value");
        }
        return arguments_[++index_];
    }

    Result<void> finish() {
        const auto& spec = *spec_;
        if (invocation_.operands.size() < spec.min_operands) {
            return usage("'" + spec.words + "' needs " + spec.operands);
        }
        if (spec.command == Command::kRulesAdd && !invocation_.has("action")) {
            return usage("'rules add' needs --action allow|deny|reject|prompt");
        }
        if (spec.command == Command::kRulesEdit && invocation_.options.empty()) {
            return usage("'rules edit' needs at least one field to change, e.g. --port 443");
        }
        if (spec.command == Command::kRulesCheck && invocation_.operands.empty() &&
            invocation_.options.empty()) {
            return usage("'rules check' needs FILE...");
        }
        return {};
    }

    std::span<const std::string> arguments_;
    std::size_t index_ = 0;
    Invocation invocation_;
    const CommandSpec* spec_ = nullptr;
    bool awaiting_rules_subcommand_ = false;
    bool options_ended_ = false;
    bool help_ = false;
    bool version_ = false;
};

}  // namespace

bool rule_field_accepts_list(RuleField field) {
    switch (field) {
        case RuleField::kUser:
        case RuleField::kGroup:
        case RuleField::kHost:
        case RuleField::kIp:
        case RuleField::kPort:
        case RuleField::kLocalPort:
        case RuleField::kProtocol:
            return true;
        case RuleField::kId:
        case RuleField::kAction:
        case RuleField::kDirection:
        case RuleField::kProcess:
        case RuleField::kPackage:
        case RuleField::kSha256:
        case RuleField::kUnit:
        case RuleField::kHostList:
        case RuleField::kIpList:
        case RuleField::kInterface:
        case RuleField::kExpires:
        case RuleField::kDuration:
        case RuleField::kCreated:
        case RuleField::kScope:
        case RuleField::kPid:
        case RuleField::kPriority:
        case RuleField::kLog:
        case RuleField::kComment:
            return false;
    }
    return false;
}

std::string rule_option_name(std::string_view field_name) {
    std::string name(field_name);
    std::replace(name.begin(), name.end(), '_', '-');
    return name;
}

std::span<const CommandSpec> command_specs() {
    static const std::vector<CommandSpec> specs = build_command_specs();
    return specs;
}

const CommandSpec& command_spec(Command command) {
    const auto specs = command_specs();
    return *std::find_if(specs.begin(), specs.end(),
                         [command](const CommandSpec& spec) { return spec.command == command; });
}

bool Invocation::has(std::string_view name) const {
    return std::any_of(options.begin(), options.end(),
                       [name](const CommandOption& option) { return option.name == name; });
}

std::optional<std::string> Invocation::value(std::string_view name) const {
    for (auto option = options.rbegin(); option != options.rend(); ++option) {
        if (option->name == name) {
            return option->value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> Invocation::values(std::string_view name) const {
    std::vector<std::string> found;
    for (const auto& option : options) {
        if (option.name == name) {
            found.push_back(option.value);
        }
    }
    return found;
}

Result<Invocation> parse_command_line(std::span<const std::string> arguments) {
    return Parser(arguments).parse();
}

}  // namespace sluice::cli
