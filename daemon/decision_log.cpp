#include "daemon/decision_log.hpp"

#include <fmt/format.h>

namespace sluice {

namespace {

std::string endpoint(const IpAddress& address, std::uint16_t port) {
    if (address.is_v4()) {
        return fmt::format("{}:{}", address.to_string(), port);
    }
    return fmt::format("[{}]:{}", address.to_string(), port);
}

template <typename T>
std::string optional_text(const std::optional<T>& value) {
    return value ? std::to_string(*value) : std::string("?");
}

}  // namespace

std::string_view to_string(MarkDecision decision) {
    switch (decision) {
        case MarkDecision::kUndecided:
            return "undecided";
        case MarkDecision::kAllow:
            return "allow";
        case MarkDecision::kDeny:
            return "deny";
        case MarkDecision::kReject:
            return "reject";
        case MarkDecision::kAllowDisabled:
            return "allow-disabled";
    }
    return "?";
}

void DecisionLog::on_decision(const DecisionRecord& record) {
    const auto level =
        record.reason == DecisionReason::kFlowCache ? spdlog::level::debug : spdlog::level::info;
    if (!logger_->should_log(level)) {
        return;
    }
    const Connection& c = record.connection;
    if (record.reason == DecisionReason::kUnparsable) {
        logger_->log(level, "{} {} packet with unreadable headers ({})", to_string(record.decision),
                     to_string(c.direction), to_string(record.reason));
        return;
    }
    logger_->log(level, "{} {} {} {} -> {} uid={} pid={} exe={} rule={} ({})",
                 to_string(record.decision), to_string(c.direction), to_string(c.protocol),
                 endpoint(c.local_address, c.local_port), endpoint(c.remote_address, c.remote_port),
                 optional_text(c.uid), optional_text(c.pid), c.exe.empty() ? "?" : c.exe,
                 record.rule_id.empty() ? "-" : record.rule_id, to_string(record.reason));
}

}  // namespace sluice
