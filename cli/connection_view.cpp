#include "cli/connection_view.hpp"

#include "cli/terminal_text.hpp"
#include "cli/text_table.hpp"

namespace sluice::cli {

namespace {

constexpr std::size_t kLabelWidth = 12;  // "local port:" and two spaces

// argv joined with spaces, as a shell would show it.
std::string command_text(const Value& cmdline) {
    const auto* arguments = std::get_if<Value::List>(&cmdline.data);
    if (arguments == nullptr) {
        return display_text(cmdline);
    }
    std::string command;
    for (const auto& argument : *arguments) {
        command += (command.empty() ? "" : " ") + display_text(argument);
    }
    return command;
}

std::string first_field_text(const Object& object, std::initializer_list<std::string_view> keys) {
    for (const auto key : keys) {
        if (auto text = field_text(object, key); !text.empty()) {
            return text;
        }
    }
    return {};
}

std::string verdict_text(const Object& connection) {
    return first_field_text(connection, {"verdict", "action"});
}

// The deciding rule, or why no rule decided ("(default action)").
std::string rule_text(const Object& connection) {
    if (auto rule = first_field_text(connection, {"rule", "rule_id"}); !rule.empty()) {
        return rule;
    }
    const auto reason = field_text(connection, "reason");
    return reason.empty() ? std::string() : "(" + reason + ")";
}

std::string address_and_port(const std::string& address, const std::string& port) {
    const std::string shown =
        address.find(':') == std::string::npos ? address : "[" + address + "]";
    return port.empty() ? shown : shown + ":" + port;
}

bool incoming(const Object& connection) {
    return field_text(connection, "direction") == "in";
}

// The summary both monitor lines share: "/usr/bin/curl[1234] alice tcp out REMOTE".
std::string flow_summary(const Object& connection) {
    std::string text = process_label(connection);
    for (const auto& part : {user_label(connection), field_text(connection, "protocol"),
                             field_text(connection, "direction"), remote_endpoint(connection)}) {
        if (!part.empty()) {
            text += " " + part;
        }
    }
    return text;
}

}  // namespace

std::string remote_endpoint(const Object& connection) {
    const bool in = incoming(connection);
    const std::string address = field_text(connection, in ? "src" : "dst");
    const std::string port = field_text(connection, in ? "sport" : "dport");
    const std::string host = field_text(connection, "host");
    if (address.empty()) {
        return host.empty() ? std::string() : host + (port.empty() ? "" : ":" + port);
    }
    if (host.empty() || host == address) {
        return address_and_port(address, port);
    }
    return host + " (" + address + ")" + (port.empty() ? "" : ":" + port);
}

std::string process_label(const Object& connection) {
    const std::string exe = field_text(connection, "exe");
    const std::string pid = field_text(connection, "pid");
    if (exe.empty()) {
        return pid.empty() ? "?" : "pid " + pid;
    }
    return pid.empty() ? exe : exe + "[" + pid + "]";
}

std::string user_label(const Object& connection) {
    return first_field_text(connection, {"user", "uid"});
}

std::string connections_table(const std::vector<Object>& connections) {
    TextTable table({{"PROCESS"},
                     {"PID", TextTable::Align::kRight},
                     {"USER"},
                     {"PROTO"},
                     {"DIR"},
                     {"REMOTE"},
                     {"VERDICT"},
                     {"RULE"},
                     {"BYTES", TextTable::Align::kRight}});
    for (const auto& connection : connections) {
        const std::string exe = field_text(connection, "exe");
        table.add_row({exe.empty() ? "?" : exe, field_text(connection, "pid"),
                       user_label(connection), field_text(connection, "protocol"),
                       field_text(connection, "direction"), remote_endpoint(connection),
                       verdict_text(connection), rule_text(connection),
                       field_text(connection, "bytes")});
    }
    return table.render();
}

std::string decision_line(const std::string& time, const Object& connection) {
    const std::string verdict = verdict_text(connection);
    std::string line =
        time + " " + (verdict.empty() ? "decided" : verdict) + " " + flow_summary(connection);
    if (const auto rule = first_field_text(connection, {"rule", "rule_id"}); !rule.empty()) {
        line += " rule=" + rule;
    } else if (const auto reason = field_text(connection, "reason"); !reason.empty()) {
        line += " reason=" + reason;
    }
    return terminal_safe(line);
}

std::string prompt_pending_line(const std::string& time, const std::string& prompt_id,
                                const Object& connection) {
    return terminal_safe(time + " prompt " + prompt_id + " " + flow_summary(connection));
}

std::string connection_details(const Object& connection) {
    std::vector<std::pair<std::string, std::string>> lines;
    const std::string exe = field_text(connection, "exe");
    const std::string pid = field_text(connection, "pid");
    std::string process = exe.empty() ? "unknown executable" : exe;
    if (!pid.empty()) {
        process += " (pid " + pid + ")";
    }
    lines.emplace_back("process", process);
    if (const auto cmdline = connection.find("cmdline"); cmdline != connection.end()) {
        lines.emplace_back("command", command_text(cmdline->second));
    }
    std::string user = field_text(connection, "user");
    if (const auto uid = field_text(connection, "uid"); !uid.empty()) {
        user = user.empty() ? "uid " + uid : user + " (uid " + uid + ")";
    }
    lines.emplace_back("user", user);
    lines.emplace_back("unit", field_text(connection, "unit"));
    lines.emplace_back("package", field_text(connection, "package"));
    const bool in = incoming(connection);
    std::string remote = remote_endpoint(connection);
    if (const auto protocol = field_text(connection, "protocol"); !protocol.empty()) {
        remote += " " + protocol;
    }
    lines.emplace_back(in ? "from" : "to", remote);
    if (in) {
        lines.emplace_back("local port", field_text(connection, "dport"));
    }
    std::string out;
    for (const auto& [label, text] : lines) {
        if (!text.empty()) {
            out += "  " + label + ":" + std::string(kLabelWidth - label.size(), ' ') +
                   terminal_safe(text) + '\n';
        }
    }
    return out;
}

}  // namespace sluice::cli
