// SqsQueryModel: the shapes of the 23 SQS actions as the Query protocol serialises them, the
// data that drives SqsQueryCodec (so no action has Query-specific code).
//
// Format (a trimmed botocore service model, parsed once, immutable, thread-safe):
//   {"operations": {"<Action>": ["<input shape>", "<output shape>" | null]},
//    "shapes": {"<name>": shape}}
//   shape := {"t":"structure", "m":[[member, shape, locationName, flattened], ...],
//             "r":[required member, ...] (request shapes only)}
//          | {"t":"list", "m":[shape, locationName, flattened], "f":flattened, "l":locationName}
//          | {"t":"map", "k":[shape, locationName, 0], "v":[shape, locationName, 0], "f":...,
//          "l":...} | {"t":"string"|"integer"|"long"|"boolean"|"blob"}
// A member's wire name is its locationName, else its shape's "l", else the member name; it is
// flattened when the member or its shape says so (botocore's QuerySerializer rules).
#pragma once

#include <boost/json.hpp>

namespace roadsense::queue {

const boost::json::object& SqsQueryModel();

}  // namespace roadsense::queue
