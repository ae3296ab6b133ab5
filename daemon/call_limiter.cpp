#include "daemon/call_limiter.hpp"

namespace sluice {

bool CallLimiter::admit(const std::string& client, std::chrono::steady_clock::time_point now) {
    auto found = clients_.find(client);
    if (found == clients_.end()) {
        if (clients_.size() >= limits_.max_clients) {
            clients_.clear();
        }
        found = clients_.emplace(client, RateLimiter(limits_.per_client, now)).first;
    }
    if (found->second.allow(now)) {
        return true;
    }
    ++refused_;
    return false;
}

}  // namespace sluice
