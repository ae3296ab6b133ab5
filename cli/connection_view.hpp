#pragma once

#include <string>
#include <vector>

#include "cli/value.hpp"

namespace sluice::cli {

// Views of a connection dictionary (spec/dbus.md: pid, exe, cmdline, uid, user, unit, package,
// protocol, src, sport, dst, dport, host, direction; live flows and decisions add verdict, rule
// (the deciding rule id), reason, and maybe bytes). Missing keys show as empty cells, never as
// errors: the daemon decides what it knows. The line and detail views are terminal_safe().

// "example.com (10.77.0.2):443", "10.77.0.2:443", "[fd77::2]:443" for the remote end of the
// connection (the destination of an outgoing one, the source of an incoming one).
std::string remote_endpoint(const Object& connection);

// "/usr/bin/curl[1234]", or "pid 1234" when the executable is unknown.
std::string process_label(const Object& connection);

// "alice", or the uid when the name is unknown.
std::string user_label(const Object& connection);

// `connections`: PROCESS, PID, USER, PROTO, DIR, REMOTE, VERDICT, RULE, BYTES.
std::string connections_table(const std::vector<Object>& connections);

// One monitor line for ConnectionDecided, after `time` ("HH:MM:SS"):
// "12:00:01 allow /usr/bin/curl[1234] alice tcp out example.com (10.77.0.2):443 rule=web", or
// "reason=REASON" when no rule decided.
std::string decision_line(const std::string& time, const Object& connection);

// One monitor line for PromptPending: "12:00:01 prompt 7 /usr/bin/curl[1234] alice tcp ...".
std::string prompt_pending_line(const std::string& time, const std::string& prompt_id,
                                const Object& connection);

// The lines `sluicectl prompt` shows for a pending connection, each indented by two spaces.
std::string connection_details(const Object& connection);

}  // namespace sluice::cli
