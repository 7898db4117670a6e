-- Conversations are stored with string states from now on: a number changes meaning when a
-- state is added before it, a name does not. Two conversations stored numbers: remap the
-- conversations in progress so that nobody loses their place.
-- broadcast: TEXT, JV_ASK, JV_TEXT, AUDIENCE, ROLE, REGION, CONFIRM were 0..6
UPDATE ptb_conversations SET state = CASE state
    WHEN '0' THEN '"bc_text"' WHEN '1' THEN '"bc_jv_ask"' WHEN '2' THEN '"bc_jv_text"'
    WHEN '3' THEN '"bc_audience"' WHEN '4' THEN '"bc_role"' WHEN '5' THEN '"bc_region"'
    WHEN '6' THEN '"bc_confirm"' END
WHERE name = 'broadcast' AND state IN ('0', '1', '2', '3', '4', '5', '6');
-- staff: MENU, ASK_ID, ASK_ROLE, PICK_REMOVE were 0..3
UPDATE ptb_conversations SET state = CASE state
    WHEN '0' THEN '"staff_menu"' WHEN '1' THEN '"staff_ask_id"' WHEN '2' THEN '"staff_ask_role"'
    WHEN '3' THEN '"staff_pick_remove"' END
WHERE name = 'staff' AND state IN ('0', '1', '2', '3');
