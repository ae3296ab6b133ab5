#include "cli/help_text.hpp"

#include <algorithm>

#include "cli/command_line.hpp"

namespace sluice::cli {

namespace {

constexpr std::size_t kOptionColumn = 26;
constexpr std::size_t kPageWidth = 100;

// `text` wrapped at word boundaries to fit between kOptionColumn and kPageWidth, continuation
// lines indented to kOptionColumn.
std::string wrapped(const std::string& text) {
    const std::string indent(kOptionColumn, ' ');
    std::string out;
    std::size_t line_length = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto space = std::min(text.find(' ', start), text.size());
        const std::string word = text.substr(start, space - start);
        if (line_length > 0 && kOptionColumn + line_length + 1 + word.size() > kPageWidth) {
            out += "\n" + indent;
            line_length = 0;
        } else if (line_length > 0) {
            out += ' ';
            ++line_length;
        }
        out += word;
        line_length += word.size();
        start = space + 1;
    }
    return out;
}

// "  LEFT" padded to kOptionColumn, then the help; a long LEFT gets a line of its own.
std::string option_line(const std::string& left, const std::string& help) {
    std::string line = "  " + left;
    if (line.size() + 2 > kOptionColumn) {
        line += "\n" + std::string(kOptionColumn, ' ');
    } else {
        line += std::string(kOptionColumn - line.size(), ' ');
    }
    return line + wrapped(help) + "\n";
}

std::string option_text(const OptionSpec& option) {
    std::string left = "--" + option.name;
    switch (option.arity) {
        case OptionSpec::Arity::kFlag:
            break;
        case OptionSpec::Arity::kValue:
            left += " " + option.value_name;
            break;
        case OptionSpec::Arity::kOptionalValue:
            left += "[=" + option.value_name + "]";
            break;
    }
    std::string help = option.help;
    if (option.repeatable) {
        help += "; repeatable";
    }
    std::string text = option_line(left, help);
    if (!option.value_help.empty()) {
        text += std::string(kOptionColumn, ' ') + "value: " + option.value_help + "\n";
    }
    return text;
}

// The options of `command`; with `only_own`, those that are not rule fields.
std::string command_options(Command command, bool only_own = false) {
    std::string text;
    for (const auto& option : command_spec(command).options) {
        if (!only_own || option.value_help.empty()) {
            text += option_text(option);
        }
    }
    return text;
}

std::string command_list() {
    std::string text;
    for (const auto& spec : command_specs()) {
        const std::string left = spec.words + (spec.operands.empty() ? "" : " " + spec.operands);
        text += option_line(left, spec.summary);
    }
    return text;
}

}  // namespace

std::string help_text() {
    return R"(NAME
  sluicectl - control sluiced, the sluice application firewall

SYNOPSIS
  sluicectl [--bus system|session|ADDRESS] [--json] COMMAND [OPTIONS] [ARGUMENTS]
  sluicectl --help | --version

DESCRIPTION
  sluicectl talks to sluiced over D-Bus (service org.sluice.Firewall1): it shows the daemon's
  state, rules and live connections, edits rules, streams decisions, and can act as a prompt
  agent that asks you at the terminal whether a connection may go ahead, so connections can be
  approved over SSH on a machine without a desktop. Reading works for every user; changing
  rules, enable, disable and reload need root, the admin group (dbus.admin_group) or polkit's
  org.sluice.firewall.modify. `rules check` needs no daemon.

GLOBAL OPTIONS
  --bus system|session|ADDRESS
                          the bus sluiced listens on (its dbus.bus setting): system (default),
                          session, or a D-Bus address such as unix:path=/run/sluice/bus
  --json                  print machine-readable JSON instead of tables: one object or list
                          per command, one object per line for monitor
  -h, --help              show this help
  --version               print sluicectl's version

COMMANDS
)" + command_list() +
           R"(
RULES
  rules list prints ID, ACTION, MATCH (the rule's match fields as key=value, defaults left
  out), SOURCE (the rule file, or "state" for rules made over D-Bus and by prompts) and HITS.
  rules add and rules edit take the keys of a rule file (see sluice-rules(5)) as options; the
  daemon validates the rule with the same parser that reads rule files and refuses it with
  the field and the reason. Rules from admin rule files are read-only; rm and edit work on
  state rules.

RULE FIELD OPTIONS (rules add, rules edit)
  List fields (repeatable) also take several values separated by commas.
)" + command_options(Command::kRulesAdd) +
           R"(
  rules edit also takes:
)" + command_options(Command::kRulesEdit, true) +
           R"(
RULES CHECK OPTIONS
)" + command_options(Command::kRulesCheck) +
           R"(
  Every rule file is parsed as sluiced would load it, including the host_list and ip_list
  files its rules name; each problem is printed as FILE:LINE:COL: error: MESSAGE on stderr,
  each clean file as "FILE: ok, N rules" on stdout.

PROMPT
  sluicectl prompt registers this terminal as a prompt agent for your user (root: for every
  user). For each connection that no rule decides, it shows the process, pid, user, remote
  host, address, port and protocol, then asks:
    [a]llow, [d]eny or [r]eject?
    For how long? [o]nce, [p]rocess, [s]ession, [u]ntil restart, [f]orever, or a duration
  Answer each with a letter (or the word) and Enter; both may go on one line ("a f"). "once"
  decides this connection only; the other answers make a rule for the program, the host (or
  its address), the port and the user asked about, which lives for the program's lifetime
  (process), the login session, until sluiced restarts, forever, or for a duration such as
  30m, 1h or 7d. Further connections wait in turn; one that times out or is answered
  elsewhere is withdrawn from the screen. Ctrl-C, Ctrl-D or SIGTERM stop the agent. Options:
)" + command_options(Command::kPrompt) +
           R"(
MONITOR
  Prints "TIME VERDICT PROCESS[PID] USER PROTOCOL DIRECTION REMOTE rule=ID" for each decision
  and "TIME prompt ID ..." for each pending prompt. With --json each line is an object with
  "event" (ConnectionDecided or PromptPending), "time" (RFC 3339), "connection" and, for
  prompts, "prompt_id". The daemon rate-limits decision signals.

EXIT STATUS
  0  success
  1  an error: a bad command line, sluiced not running, a refused rule, a rule file with
     problems (rules check); one line "sluicectl: MESSAGE" on stderr
  3  access denied (org.sluice.Firewall1.Error.AccessDenied, or the bus policy refused)

ENVIRONMENT
  SLUICE_BUS    the bus to use when --bus is not given (same values)

EXAMPLES
  sluicectl status
  sluicectl rules list
  sluicectl --json rules list | jq -r '.[] | select(.hits > 0) | .id'
  sluicectl rules add --action allow --process /usr/bin/curl --host example.com --port 443
  sluicectl rules add --action deny --host '*.tracker.example' --duration 7d --comment "no"
  sluicectl rules edit state-1a2b --port 80,443 --unset host
  sluicectl rules rm state-1a2b
  sluicectl rules check /etc/sluice/rules.d/*.yaml
  sluicectl monitor --json
  ssh server sluicectl prompt
  SLUICE_BUS=unix:path=/run/sluice/test-bus sluicectl connections

SEE ALSO
  sluiced(8), sluice-rules(5), docs/sluicectl.md, docs/dbus.md
)";
}

std::string version_text() {
    return std::string("sluicectl ") + SLUICE_VERSION + "\n";
}

}  // namespace sluice::cli
