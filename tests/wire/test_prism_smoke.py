import httpx


def test_prism_serves_the_batch_spec(prism_base_url: str) -> None:
    response = httpx.get(f"{prism_base_url}/batches/batch_abc", headers={"Authorization": "Bearer sk-test"})
    assert response.status_code == 200
    assert response.json()["object"] == "batch"
