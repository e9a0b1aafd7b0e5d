#pragma once
// A fixed-capacity vector that lives inline (no heap), for results on the decision path.
// Pushing past the capacity drops the element and sets truncated().

#include <array>
#include <cstddef>

namespace rampart::policy {

template <typename T, std::size_t N>
class InlineVec {
 public:
  bool push_back(const T& v) {
    if (size_ >= N) {
      truncated_ = true;
      return false;
    }
    items_[size_++] = v;
    return true;
  }
  void clear() {
    size_ = 0;
    truncated_ = false;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool truncated() const { return truncated_; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }
  static constexpr std::size_t capacity() { return N; }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
  bool truncated_ = false;
};

}  // namespace rampart::policy
