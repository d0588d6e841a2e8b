def test_smoke(world):
    c = world.client
    r = c.get(f"/api/v1/persons/{world.number('alice')}/dossier", headers=world.headers("alice"))
    print(r.status_code, r.text[:3000])
    assert r.status_code == 200
    r = c.get("/api/v1/me/access-log", headers=world.headers("alice"))
    print(r.status_code, r.text[:1000])
    r = c.get(f"/api/v1/persons/{world.number('alice')}/dossier", headers=world.headers("accountant"))
    print(r.status_code, r.text[:600])
    r = c.get(f"/api/v1/funds/F101/members", headers=world.headers("agent_f1"))
    print(r.status_code, r.text[:600])
