"""Public complaint pages: the attachment purpose of the complainant's photos (imported by
HazardsConfig.ready()). The public entrance has no menu; its pages are reached by link or QR code."""
from kernel.files.purposes import MB, register_purpose

# Photos a member of the public attaches to a complaint (众投诉举报): images only, 5 MB each, at most 9.
# They arrive only with the complaint (kernel.files.services.store_anonymous): the upload permission
# named here is held by no role, so no one adds photos to a complaint afterwards.
COMPLAINT_PHOTO = register_purpose("se_complaint_photo", "举报照片", ["image"], 5 * MB, max_files=9,
                                   perm="se_hazards.add_complaint")
