"""Sites, classrooms and their dated capacity."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.views.generic import TemplateView

from alliance.dates import alliance_today
from members import services
from members.forms import CapacityChangeForm, ClassroomCreateForm, ClassroomForm, SiteForm
from members.models import Classroom, ClassroomCapacity, Site
from members.pages import OPERATIONS_EDITORS, PROFILE_EDITORS, ProgramFormPage, ProgramPage
from members.selectors import classroom_capacity_history, classrooms_with_capacity_on


class ProgramSitesView(ProgramPage, TemplateView):
    template_name = "members/program_sites.html"
    tab = "sites"
    title = "Sites & classrooms"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        classrooms = classrooms_with_capacity_on(Classroom.objects.filter(site__program=self.program), today).order_by(
            "closed_on", "name"
        )
        sites = list(
            Site.objects.filter(program=self.program).prefetch_related(Prefetch("classrooms", queryset=classrooms))
        )
        open_rooms = [c for s in sites for c in s.classrooms.all() if c.licensed_capacity_on is not None]
        licensed = sum(c.licensed_capacity_on for c in open_rooms)
        context.update(
            sites=sites,
            today=today,
            classroom_licensed_total=licensed,
            classroom_desired_total=sum(
                c.licensed_capacity_on if c.desired_capacity_on is None else c.desired_capacity_on for c in open_rooms
            ),
            over_license=licensed > self.program.licensed_capacity > 0,
        )
        return context


class SiteCreateView(ProgramFormPage):
    allowed_roles = PROFILE_EDITORS
    form_class = SiteForm
    title = "Add a site"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": Site(program=self.program)}

    def perform(self, form: SiteForm) -> Site:
        return services.site_create(actor=self.request.user, program=self.program, **form.cleaned_data)

    def success_message(self, obj: Site) -> str:
        return f"Site {obj} saved."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:program_sites")


class SiteEditView(SiteCreateView):
    title = "Edit site"

    def get_form_kwargs(self) -> dict[str, Any]:
        self.site = self.get_for_member(Site.objects.filter(program=self.program), pk=self.kwargs["pk"])
        return {**ProgramFormPage.get_form_kwargs(self), "instance": self.site}

    def perform(self, form: SiteForm) -> Site:
        return services.site_update(actor=self.request.user, site=self.site, data=form.cleaned_data)


class ClassroomMixin:
    """Finds the classroom named in the URL among the program's, or 404."""

    def get_classroom(self) -> Classroom:
        if not hasattr(self, "classroom"):
            self.classroom = self.get_for_member(  # type: ignore[attr-defined]
                Classroom.objects.filter(site__program=self.program).select_related("site"),  # type: ignore[attr-defined]
                pk=self.kwargs["pk"],  # type: ignore[attr-defined]
            )
        return self.classroom


class ClassroomCreateView(ProgramFormPage):
    allowed_roles = OPERATIONS_EDITORS
    form_class = ClassroomCreateForm
    title = "Add a classroom"

    @property
    def intro(self) -> str:  # type: ignore[override]
        if not Site.objects.filter(program=self.program).exists():
            return "Add a site first: every classroom belongs to a site."
        return ""

    def get_initial(self) -> dict[str, Any]:
        setting_up = not Classroom.objects.filter(site__program=self.program).exists()
        return {**super().get_initial(), "effective_from": self.default_from(setting_up=setting_up)}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "program": self.program}

    def perform(self, form: ClassroomCreateForm) -> Classroom:
        return services.classroom_create(actor=self.request.user, program=self.program, **form.cleaned_data)

    def success_message(self, obj: Classroom) -> str:
        return f"Classroom {obj} saved."

    def success_url_for(self, obj: Classroom | None) -> str:
        if obj is None:
            return self.program_url("members:program_sites")
        return self.program_url("members:classroom_detail", obj.pk)


class ClassroomEditView(ClassroomMixin, ClassroomCreateView):
    form_class = ClassroomForm  # type: ignore[assignment]
    title = "Edit classroom"
    intro = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_classroom()}

    def perform(self, form: ClassroomForm) -> Classroom:  # type: ignore[override]
        return services.classroom_update(
            actor=self.request.user, classroom=self.get_classroom(), data=form.cleaned_data
        )

    def cancel_url(self) -> str:
        return self.success_url_for(self.get_classroom())


class ClassroomDetailView(ClassroomMixin, ProgramPage, TemplateView):
    template_name = "members/classroom_detail.html"
    tab = "sites"

    def get_title(self) -> str:
        return self.get_classroom().name

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs = super().get_breadcrumbs()
        crumbs.insert(-1, ("Sites & classrooms", self.program_url("members:program_sites")))
        return crumbs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        classroom = self.get_classroom()
        today = alliance_today(self.alliance)
        history = list(classroom_capacity_history(classroom))
        in_force = next((row for row in history if row.effective_from <= today), None)
        if classroom.closed_on and classroom.closed_on <= today:
            in_force = None
        context.update(
            classroom=classroom,
            history=history,
            in_force=in_force,
            today=today,
            capacity_form=CapacityChangeForm(initial={"effective_from": today}),
        )
        return context


class ClassroomCapacityView(ClassroomMixin, ProgramFormPage):
    allowed_roles = OPERATIONS_EDITORS
    form_class = CapacityChangeForm
    title = "Change capacity"
    submit_label = "Record the change"
    intro = (
        "The new capacity applies from its date on; earlier days keep the capacity "
        "then in force. A second change on the same date corrects the first."
    )

    def get_initial(self) -> dict[str, Any]:
        return {"effective_from": alliance_today(self.alliance)}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": ClassroomCapacity(classroom=self.get_classroom())}

    def perform(self, form: CapacityChangeForm) -> ClassroomCapacity:
        return services.classroom_capacity_set(
            actor=self.request.user, classroom=self.get_classroom(), **form.cleaned_data
        )

    def success_message(self, obj: ClassroomCapacity) -> str:
        return f"{self.get_classroom()}: licensed capacity {obj.licensed_capacity} from {obj.effective_from}."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:classroom_detail", self.get_classroom().pk)
