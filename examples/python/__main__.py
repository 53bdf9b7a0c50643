"""Two services and one edge, declared with service-edges' ServiceMesh from Python.

    pulumi package add ../../components   # generates the `pulumi_service_edges` SDK into sdks/
    pulumi config set azure-native:location westeurope
    pulumi up

Inputs are plain dictionaries with the SDK's snake_case keys; the mesh validates the whole graph
before anything is created and reports every error at once.
"""
import pulumi
import pulumi_service_edges as service_edges

MESH = {
    "name_prefix": "edges-py",
    "location": "westeurope",
    "network": {"address_space": "10.60.0.0/16"},
    "services": {
        "storefront": {
            "kind": "app",
            "sku": "P1v3",
            "max_instances": 4,
            "subnet": "10.60.0.0/28",
        },
        "payments": {
            "kind": "function",
            "sku": "EP1",
            "max_instances": 10,
            "roles": ["Payments.Charge", "Payments.Refund"],
            "easy_auth": True,
        },
    },
    "edges": [
        {"from_": "storefront", "to": "payments", "roles": ["Payments.Charge"]},
    ],
}

mesh = service_edges.ServiceMesh("mesh", **MESH)

pulumi.export("tenant_id", mesh.tenant_id)
pulumi.export("payments_audience", mesh.services.apply(lambda s: s["payments"].audience))
pulumi.export("access_matrix", mesh.access_matrix)
