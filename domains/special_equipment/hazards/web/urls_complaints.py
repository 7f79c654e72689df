"""URL patterns of this area."""
urlpatterns = []
