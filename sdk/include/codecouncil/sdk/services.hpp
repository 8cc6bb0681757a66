#pragma once
// Named services one plugin provides to the plugins that declare a dependency on it.
//
// A service type declares its name:  struct CreditLedger { static constexpr const char* kServiceName =
// "billing.credits"; virtual ... };  the provider calls ctx.services().provide<CreditLedger>(ptr) in
// start(), a dependent calls ctx.services().get<CreditLedger>() (nullptr when the provider is absent).
#include <memory>
#include <string>

namespace cc {

class Services {
 public:
  virtual ~Services() = default;
  /// A second provider for the same name is an error.
  virtual void provideRaw(const std::string& name, std::shared_ptr<void> service) = 0;
  virtual std::shared_ptr<void> findRaw(const std::string& name) const = 0;

  template <class T>
  void provide(std::shared_ptr<T> service) {
    provideRaw(T::kServiceName, std::static_pointer_cast<void>(std::move(service)));
  }
  template <class T>
  std::shared_ptr<T> get() const {
    return std::static_pointer_cast<T>(findRaw(T::kServiceName));
  }
};

}  // namespace cc
