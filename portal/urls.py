from django.contrib import admin
from django.urls import include, path

from portal import login_throttle

admin.site.site_header = "Quản trị Cổng tin ICT các tỉnh"
admin.site.site_title = "Quản trị"
admin.site.index_title = "Biên tập kho bài viết"

urlpatterns = [
    # Before the admin's own URLs: its login, throttled.
    path("admin/login/", login_throttle.login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]

handler500 = "portal.views.server_error"
