#pragma once
// A fixed-capacity vector that lives inline (no heap), for results on the decision path.
// Storage is left uninitialized until pushed, so an empty InlineVec costs nothing to create.
// Pushing past the capacity drops the element and sets truncated().

#include <cstddef>
#include <new>
#include <type_traits>

namespace rampart::policy {

template <typename T, std::size_t N>
class InlineVec {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "InlineVec holds plain values");

 public:
  InlineVec() = default;
  InlineVec(const InlineVec& other) { *this = other; }
  InlineVec& operator=(const InlineVec& other) {
    for (std::size_t i = 0; i < other.size_; ++i) new (&storage_[i]) T(other[i]);
    size_ = other.size_;
    truncated_ = other.truncated_;
    return *this;
  }

  bool push_back(const T& v) {
    if (size_ >= N) {
      truncated_ = true;
      return false;
    }
    new (&storage_[size_++]) T(v);
    return true;
  }
  void clear() {
    size_ = 0;
    truncated_ = false;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool truncated() const { return truncated_; }
  const T& operator[](std::size_t i) const { return *std::launder(reinterpret_cast<const T*>(&storage_[i])); }
  T& operator[](std::size_t i) { return *std::launder(reinterpret_cast<T*>(&storage_[i])); }
  const T* begin() const { return size_ ? &(*this)[0] : nullptr; }
  const T* end() const { return size_ ? &(*this)[0] + size_ : nullptr; }
  static constexpr std::size_t capacity() { return N; }

 private:
  struct alignas(T) Slot {
    unsigned char bytes[sizeof(T)];
  };
  Slot storage_[N];
  std::size_t size_ = 0;
  bool truncated_ = false;
};

}  // namespace rampart::policy
