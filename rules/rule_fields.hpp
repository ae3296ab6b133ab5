#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sluice {

// Every key a rule may have. The parser switches over this enum (so -Wswitch catches a key
// added here but not parsed), and rule_fields() is the one table that the parser's unknown-key
// check, help texts and D-Bus key lists are generated from.
enum class RuleField : std::uint8_t {
    kId,
    kAction,
    kDirection,
    kProcess,
    kPackage,
    kSha256,
    kUser,
    kGroup,
    kUnit,
    kHost,
    kHostList,
    kIp,
    kIpList,
    kPort,
    kLocalPort,
    kProtocol,
    kInterface,
    kExpires,
    kDuration,
    kCreated,
    kScope,
    kPid,
    kPriority,
    kLog,
    kComment,
};

inline constexpr std::size_t kRuleFieldCount = static_cast<std::size_t>(RuleField::kComment) + 1;

struct RuleFieldInfo {
    RuleField field;
    std::string_view name;    // the YAML key
    std::string_view values;  // what a value looks like, for help texts
    std::string_view help;    // one line, what the key does
};

// In the order rule files conventionally list them.
std::span<const RuleFieldInfo> rule_fields();
std::optional<RuleField> find_rule_field(std::string_view name);
std::string_view to_string(RuleField field);

}  // namespace sluice
