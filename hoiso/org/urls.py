from django.urls import path

from hoiso.org import views

app_name = "org"

urlpatterns = [
    path("", views.unit_tree, name="unit_tree"),
    path("import/", views.unit_import, name="unit_import"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/children/", views.unit_children, name="unit_children"),
    path("units/<str:code>/new/", views.unit_create, name="unit_create"),
    path(
        "units/<str:code>/restructure/<str:kind>/", views.unit_restructure, name="unit_restructure"
    ),
]
