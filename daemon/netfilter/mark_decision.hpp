#pragma once

#include "daemon/netfilter/mark_layout.hpp"
#include "rules/action.hpp"

namespace sluice {

// The mark a rule's action leaves on its connection; kUndecided for prompt, which is not a
// decision yet.
constexpr MarkDecision mark_decision_for(Action action) {
    switch (action) {
        case Action::kAllow:
            return MarkDecision::kAllow;
        case Action::kDeny:
            return MarkDecision::kDeny;
        case Action::kReject:
            return MarkDecision::kReject;
        case Action::kPrompt:
            break;
    }
    return MarkDecision::kUndecided;
}

}  // namespace sluice
