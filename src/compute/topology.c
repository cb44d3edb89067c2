/* GET /servers/{id}/topology (2.78): the server's NUMA topology. Stackd
 * places no guest on NUMA nodes (no hw:numa_* placement, QEMU gets no
 * -numa), so every server answers as a Nova server without a NUMA
 * topology: no nodes, no page size. */
#include "compute/internal.h"

COMPUTE_HANDLER(compute_server_topology)
{
	struct compute_server s;
	if (compute_mv(req) < 78)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0)
		return -1;
	http_reply_json(resp, 200, json_pack("{s:[],s:n}", "nodes", "pagesize_kb"));
	return 0;
}
