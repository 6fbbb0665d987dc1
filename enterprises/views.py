from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView
from django_filters.views import FilterView

from .filtersets import EnterpriseFilterSet, ParcelFilterSet
from .models import Enterprise, Parcel


class ScopedMixin(LoginRequiredMixin):
    """Every register page starts from what the user may see."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ParcelListView(ScopedMixin, FilterView):
    model = Parcel
    filterset_class = ParcelFilterSet
    paginate_by = 50
    template_name = "enterprises/parcel_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone").with_tenant_counts()


class ParcelDetailView(ScopedMixin, DetailView):
    model = Parcel
    template_name = "enterprises/parcel_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone", "landlord_user").with_tenant_counts()


class EnterpriseListView(ScopedMixin, FilterView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    paginate_by = 50
    template_name = "enterprises/enterprise_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone", "parcel").prefetch_related("risk_tags")


class EnterpriseDetailView(ScopedMixin, DetailView):
    model = Enterprise
    template_name = "enterprises/enterprise_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone", "parcel").prefetch_related("risk_tags")
