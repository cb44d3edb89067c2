-- The project of the server an action was on, kept with the action: from
-- 2.21 the actions of a deleted server stay visible to its project (Nova
-- reads them with read_deleted), when the server row is gone.
ALTER TABLE compute_actions ADD COLUMN server_project_id TEXT;
UPDATE compute_actions SET server_project_id = coalesce(
    (SELECT s.project_id FROM compute_servers s WHERE s.id = compute_actions.server_id),
    (SELECT u.project_id FROM compute_usage_terminated u WHERE u.id = compute_actions.server_id),
    (SELECT c.project_id FROM compute_actions c WHERE c.server_id = compute_actions.server_id
       AND c.action = 'create' ORDER BY c.id LIMIT 1),
    project_id);
