-- Keyed audit chain (SEC-3): entries from keyed_from on carry an HMAC-SHA256
-- under a key kept outside the database; 0 while the chain is not keyed.
-- The key never reaches the database: the server sends the HMAC's inner
-- and outer padded keys with each append, and a server without them is
-- refused once the chain is keyed.

ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 0;

-- kesu_audit_append_keyed is kesu_audit_append_many with the HMAC pads
-- (NULL without a key): entries from keyed_from on are keyed.
CREATE FUNCTION kesu_audit_append_keyed(p_at bigint[], p_actor_id bigint[], p_actor_name text[], p_ip text[],
                                        p_action text[], p_object text[], p_detail text[], p_ipad bytea, p_opad bytea)
  RETURNS TABLE (id bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_prev text;
  v_from bigint;
  v_hash text;
  v_input bytea;
  i int;
BEGIN
  SELECT h.last_id, h.hash, h.keyed_from INTO v_id, v_prev, v_from FROM audit_head h WHERE h.id = 1 FOR UPDATE;
  IF v_from > 0 AND p_ipad IS NULL THEN
    RAISE EXCEPTION 'the audit chain is keyed from entry %: this server has no audit key', v_from
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOR i IN 1 .. coalesce(array_length(p_at, 1), 0) LOOP
    v_id := v_id + 1;
    v_input := convert_to(v_prev || kesu_field(v_id::text) || kesu_field(p_at[i]::text)
              || kesu_field(p_actor_id[i]::text) || kesu_field(p_actor_name[i]) || kesu_field(p_ip[i])
              || kesu_field(p_action[i]) || kesu_field(p_object[i]) || kesu_field(p_detail[i]), 'UTF8');
    IF v_from > 0 AND v_id >= v_from THEN
      v_hash := encode(sha256(p_opad || sha256(p_ipad || v_input)), 'hex');
    ELSE
      v_hash := encode(sha256(v_input), 'hex');
    END IF;
    INSERT INTO audit_log (id, at, actor_id, actor_name, ip, action, object, detail, prev_hash, hash)
    VALUES (v_id, p_at[i], p_actor_id[i], p_actor_name[i], p_ip[i], p_action[i], p_object[i], p_detail[i], v_prev, v_hash);
    v_prev := v_hash;
    id := v_id;
    RETURN NEXT;
  END LOOP;
  UPDATE audit_head SET last_id = v_id, hash = v_prev WHERE audit_head.id = 1;
END $$;
