#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dbus/rule_dict.hpp"
#include "rules/connection.hpp"

namespace sluice {

// The connection keys of spec/dbus.md: pid u, exe s, cmdline as, uid u, user s, unit s,
// package s, protocol s, src s, sport q, dst s, dport q, host s, direction s. Keys whose value
// is unknown are left out (host is "" when no name is known).
VariantDict connection_dict(const Connection& connection);

// What ListConnections and ConnectionDecided add: verdict s (allow, deny, reject,
// allow-disabled), rule s (the deciding rule id, may be empty), reason s.
void add_decision(VariantDict& dict, std::string_view verdict, std::string_view rule_id,
                  std::string_view reason);

// The 19 arguments of com.subgraph.FirewallPrompt.RequestPrompt (signature
// ssssisssiissisbsbbi), in order, as fw-daemon sends them.
struct FwPromptRequest {
    std::string application;  // program name: the exe's last path component
    std::string icon;
    std::string path;     // exe
    std::string address;  // host name, or the destination address when no name is known
    std::int32_t port = 0;
    std::string ip;      // destination address
    std::string origin;  // source address
    std::string proto;
    std::int32_t uid = -1;
    std::int32_t gid = -1;
    std::string user;
    std::string group;
    std::int32_t pid = -1;
    std::string sandbox;
    bool is_socks = false;
    std::string optstring;
    bool expanded = false;
    bool expert = false;
    std::int32_t action = 0;  // the scope the prompt preselects (0 once ... 3 forever)
};

struct FwPromptOptions {
    bool expanded = false;
    bool expert = false;
    std::int32_t default_scope = 0;
};

FwPromptRequest fw_prompt_request(const Connection& connection, const FwPromptOptions& options);

}  // namespace sluice
