#include "rules/action.hpp"

namespace sluice {

std::string_view to_string(Action action) {
    switch (action) {
        case Action::kAllow:
            return "allow";
        case Action::kDeny:
            return "deny";
        case Action::kReject:
            return "reject";
        case Action::kPrompt:
            return "prompt";
    }
    return "?";
}

std::optional<Action> parse_action(std::string_view text) {
    if (text == "allow") {
        return Action::kAllow;
    }
    if (text == "deny") {
        return Action::kDeny;
    }
    if (text == "reject") {
        return Action::kReject;
    }
    if (text == "prompt") {
        return Action::kPrompt;
    }
    return std::nullopt;
}

std::string_view to_string(Direction direction) {
    return direction == Direction::kOut ? "out" : "in";
}

std::string_view to_string(Protocol protocol) {
    switch (protocol) {
        case Protocol::kTcp:
            return "tcp";
        case Protocol::kUdp:
            return "udp";
        case Protocol::kIcmp:
            return "icmp";
        case Protocol::kIcmpV6:
            return "icmpv6";
        case Protocol::kOther:
            break;
    }
    return "other";
}

Protocol protocol_from_number(std::uint8_t number) {
    switch (number) {
        case 1:
            return Protocol::kIcmp;
        case 6:
            return Protocol::kTcp;
        case 17:
            return Protocol::kUdp;
        case 58:
            return Protocol::kIcmpV6;
        default:
            return Protocol::kOther;
    }
}

}  // namespace sluice
