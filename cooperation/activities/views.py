"""Activities (活動記録) and their attachments."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView, FormView

from cooperation.activities.services import activity_create, activity_follow_up_done
from cooperation.fiscal import today
from cooperation.forms import ActivityForm
from cooperation.mixins import ScopedMixin, require
from cooperation.models import Activity, Attachment, ProgressChange
from offices import policies
from offices.models import Municipality, Office


class ActivityCreateView(ScopedMixin, FormView):
    """Log an activity; ``?office=<code>&municipality=<lg_code>`` preselects.

    Ministry staff with write scope only (403 otherwise); a center outside the
    user's write scope in ``?office=`` is a 404.
    """

    form_class = ActivityForm
    template_name = "cooperation/activity_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(policies.can(request.user, policies.ACTIVITY_LOG), _("Only ministry staff log activities."))
        writable = Office.objects.editable_by(request.user)
        code = request.GET.get("office")
        if code:
            self.office = get_object_or_404(writable, code=code)
        else:
            only = list(writable[:2])
            self.office = only[0] if len(only) == 1 else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, office=self.office)
        return kwargs

    def get_initial(self):
        initial = {"date": today()}
        if self.office is not None:
            initial["office"] = self.office
        code = self.request.GET.get("municipality")
        if code:
            editable = Municipality.objects.editable_by(self.request.user).filter(lg_code=code)
            if self.office is not None:
                editable = editable.filter(office=self.office)
            initial["municipalities"] = list(editable)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        offices = Office.objects.editable_by(self.request.user)
        context.update(office=self.office, offices=offices, may_choose_office=offices.count() > 1)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        municipalities = list(data["municipalities"])
        fields = {name: data[name] for name in form.Meta.fields if name != "municipalities"}
        try:
            activity = activity_create(
                by=self.request.user,
                municipalities=municipalities,
                advance=municipalities if data["advance"] else (),
                files=data["attachments"],
                **fields,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        moved = activity.progress_changes.count()
        message = _("The activity “{title}” was logged.").format(title=activity.title)
        if moved:
            message += " " + ngettext(
                "{count} local government moved to “Done”.",
                "{count} local governments moved to “Done”.",
                moved,
            ).format(count=moved)
        messages.success(self.request, message)
        return redirect(activity)


class ActivityDetailView(ScopedMixin, DetailView):
    model = Activity
    template_name = "cooperation/activity_detail.html"

    def scoped_queryset(self):
        user = self.request.user
        return (
            super()
            .scoped_queryset()
            .select_related("office", "item", "created_by")
            .prefetch_related(
                Prefetch(
                    "municipalities",
                    queryset=Municipality.objects.visible_to(user).order_by("lg_code"),
                    to_attr="visible_municipalities",
                ),
                "attachments",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.object
        user = self.request.user
        context.update(
            hidden_municipalities=activity.municipalities.count() - len(activity.visible_municipalities),
            changes=ProgressChange.objects.visible_to(user)
            .filter(activity=activity)
            .select_related("progress__municipality", "progress__item", "recorded_by")
            .order_by("progress__municipality__lg_code", "progress__item__sort_order"),
            may_write=policies.can(user, policies.ACTIVITY_CHANGE, activity.office_id),
        )
        return context


class ActivityFollowUpDoneView(ScopedMixin, View):
    """Mark an activity's follow-up as done (POST) through the service; back to where the button was."""

    model = Activity
    http_method_names = ["post"]

    def post(self, request, pk):
        activity = get_object_or_404(self.get_queryset().select_related("office"), pk=pk)
        require(
            policies.can(request.user, policies.ACTIVITY_CHANGE, activity.office_id),
            _("You may not change activities of this center."),
        )
        try:
            activity_follow_up_done(activity=activity, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Follow-up of “{title}” marked as done.").format(title=activity.title))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = activity.get_absolute_url()
        return redirect(target)


class AttachmentDownloadView(ScopedMixin, View):
    """Serve a file only to those who may see its activity; anyone else gets a 404, never a media URL."""

    http_method_names = ["get"]

    def get(self, request, pk):
        visible = Activity.all_objects.visible_to(request.user)
        attachment = Attachment.objects.filter(pk=pk, activity__in=visible).first()
        if attachment is None:
            raise Http404(_("No such attachment."))
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as error:
            raise Http404(_("The file is missing.")) from error
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
