// Boost.JSON is used header-only; its implementation is compiled exactly once,
// here, for every program that links the protocol library.
#include <boost/json/src.hpp>
