#include "rules/match_rank.hpp"

namespace sluice {

std::uint8_t action_rank(Action action) {
    switch (action) {
        case Action::kDeny:
        case Action::kReject:
            return 2;
        case Action::kAllow:
            return 1;
        case Action::kPrompt:
            return 0;
    }
    return 0;
}

std::string to_string(const MatchRank& rank) {
    std::string out = "priority " + std::to_string(rank.priority);
    if (rank.names_program) {
        out += ", program";
    }
    if (rank.host.exact) {
        out += ", exact host";
    } else if (rank.host.suffix_length > 0) {
        out += ", host suffix of " + std::to_string(rank.host.suffix_length) + " characters";
    }
    if (rank.ip_prefix_length >= 0) {
        out += ", ip /" + std::to_string(rank.ip_prefix_length);
    }
    if (rank.names_port) {
        out += ", port";
    }
    if (rank.account == MatchRank::kAccountUser) {
        out += ", user";
    } else if (rank.account == MatchRank::kAccountGroup) {
        out += ", group";
    }
    switch (rank.action) {
        case 2:
            out += ", deny/reject";
            break;
        case 1:
            out += ", allow";
            break;
        default:
            out += ", prompt";
            break;
    }
    return out;
}

}  // namespace sluice
