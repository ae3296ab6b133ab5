#pragma once

// Names fixed by spec/dbus.md and the XML in this folder: clients, the bus policy file and the
// polkit action file rely on them, so they are spelled in one place.
namespace sluice::bus {

inline constexpr const char* kServiceName = "org.sluice.Firewall1";
inline constexpr const char* kObjectPath = "/org/sluice/Firewall1";
inline constexpr const char* kInterface = "org.sluice.Firewall1";
inline constexpr const char* kAgentInterface = "org.sluice.PromptAgent1";

inline constexpr const char* kErrorNotFound = "org.sluice.Firewall1.Error.NotFound";
inline constexpr const char* kErrorInvalidRule = "org.sluice.Firewall1.Error.InvalidRule";
inline constexpr const char* kErrorAccessDenied = "org.sluice.Firewall1.Error.AccessDenied";
inline constexpr const char* kErrorBusy = "org.sluice.Firewall1.Error.Busy";
inline constexpr const char* kErrorFailed = "org.freedesktop.DBus.Error.Failed";
inline constexpr const char* kErrorInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";

// polkit action of every mutating call (dbus/org.sluice.firewall.policy).
inline constexpr const char* kModifyAction = "org.sluice.firewall.modify";

inline constexpr const char* kFwDaemonName = "com.subgraph.Firewall";
inline constexpr const char* kFwDaemonPath = "/com/subgraph/Firewall";
inline constexpr const char* kFwPromptName = "com.subgraph.FirewallPrompt";
inline constexpr const char* kFwPromptPath = "/com/subgraph/FirewallPrompt";

inline constexpr const char* kBusName = "org.freedesktop.DBus";
inline constexpr const char* kBusPath = "/org/freedesktop/DBus";
inline constexpr const char* kPolkitName = "org.freedesktop.PolicyKit1";
inline constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
inline constexpr const char* kPolkitInterface = "org.freedesktop.PolicyKit1.Authority";

}  // namespace sluice::bus
