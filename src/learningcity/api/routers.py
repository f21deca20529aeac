from ninja import NinjaAPI

api = NinjaAPI(title="Learning City Platform API", version="1", urls_namespace="api")
