#include "daemon/rate_limiter.hpp"

#include <algorithm>

namespace sluice {

bool RateLimiter::allow(std::chrono::steady_clock::time_point now) {
    if (now > last_refill_) {
        const std::chrono::duration<double> elapsed = now - last_refill_;
        tokens_ = std::min(limits_.burst, tokens_ + elapsed.count() * limits_.per_second);
        last_refill_ = now;
    }
    if (tokens_ < 1.0) {
        return false;
    }
    tokens_ -= 1.0;
    return true;
}

}  // namespace sluice
